using System.Runtime.InteropServices;
using RenalGrpc.Imaging;

namespace RenalGrpc.Server.Storage;

/// <summary>
/// One upload in progress: its memory is reserved and its buffers rented at header time; chunks
/// are written straight to their offsets. Disposing an uncommitted session (error, cancel,
/// disconnect) returns the buffers and releases the reservation.
/// </summary>
public sealed class StudyUploadSession : IDisposable
{
    private readonly StudyStore _store;
    private readonly Dictionary<StudyPhase, PhaseState> _phases = [];
    private readonly ChunkDecoder _decoder = new();
    private readonly StreamingHasher? _hasher;
    private bool _finished;

    internal StudyUploadSession(StudyStore store, string studyId, IReadOnlyList<PhaseDescriptor> phases, StoredStudy? existing)
    {
        _store = store;
        StudyId = studyId;
        Descriptors = phases;
        Existing = existing;
        ReservedBytes = existing is null ? phases.Aggregate(0UL, (s, p) => s + p.ByteLength) : 0;
        if (existing is null)
        {
            _hasher = new StreamingHasher();
            foreach (var p in phases)
            {
                _phases[p.Phase] = new PhaseState(p, store.Buffers.Rent(checked((int)p.ByteLength)));
            }
        }
    }

    public string StudyId { get; }
    public IReadOnlyList<PhaseDescriptor> Descriptors { get; }

    /// <summary>Set when the same content is already stored: the upload needs no bytes and uses no memory.</summary>
    public StoredStudy? Existing { get; }

    public ulong ReservedBytes { get; }

    public void AddChunk(in ChunkInput chunk)
    {
        if (Existing is not null)
        {
            return; // already stored: the rest of the stream is read and discarded
        }

        if (chunk.Data.Length > StudyStoreOptions.MaxChunkBytes)
        {
            throw StudyRequestException.Invalid("chunk.data", $"chunk data of {chunk.Data.Length} bytes exceeds the 1 MiB limit", "CHUNK_TOO_LARGE");
        }

        if (!_phases.TryGetValue((StudyPhase)chunk.Phase, out var state))
        {
            throw StudyRequestException.Invalid("chunk.phase", $"chunk phase {chunk.Phase} is not in the header", "UNKNOWN_PHASE");
        }

        var length = ChunkDecoder.UncompressedLength(chunk);
        if (length == 0)
        {
            throw StudyRequestException.Invalid("chunk.data", "chunk is empty", "EMPTY_CHUNK");
        }

        var byteLength = state.Descriptor.ByteLength;
        if (chunk.Offset > byteLength || (ulong)length > byteLength - chunk.Offset)
        {
            throw StudyRequestException.Invalid("chunk.offset", $"chunk of {length} bytes at offset {chunk.Offset} reaches outside phase {state.Descriptor.Phase} of {byteLength} bytes", "CHUNK_OUT_OF_RANGE");
        }

        if (!state.Ranges.TryAdd(chunk.Offset, chunk.Offset + (ulong)length))
        {
            throw StudyRequestException.Invalid("chunk.offset", $"chunk at offset {chunk.Offset} overlaps bytes of phase {state.Descriptor.Phase} already received", "CHUNK_OVERLAP");
        }

        _decoder.Write(chunk, state.Buffer.AsSpan(checked((int)chunk.Offset), length));
        state.WireBytes += (ulong)chunk.Data.Length;
        _hasher!.Advance(state.Digest, state.Ranges.ContiguousEnd, force: state.Ranges.ContiguousEnd == byteLength);
    }

    /// <summary>Checks completeness and hashes, then stores the study (or returns the one already stored).</summary>
    public async Task<(StoredStudy Study, bool AlreadyStored)> CompleteAsync()
    {
        if (Existing is not null)
        {
            _finished = true;
            return (_store.Touch(Existing), true);
        }

        foreach (var state in _phases.Values)
        {
            var d = state.Descriptor;
            if (state.Ranges.TotalBytes != d.ByteLength)
            {
                throw StudyRequestException.Invalid($"phases[{d.Phase}].byte_length", $"phase {d.Phase}: received {state.Ranges.TotalBytes} of {d.ByteLength} bytes; chunks are missing", "MISSING_CHUNKS");
            }
        }

        // Most of every phase was hashed while it arrived; what is left is the tail (or, for chunks sent
        // out of order, whatever became contiguous only at the end).
        await _hasher!.DrainAsync();
        foreach (var state in _phases.Values)
        {
            var d = state.Descriptor;
            var hash = state.Digest.Finish();
            if (!hash.AsSpan().SequenceEqual(d.Sha256))
            {
                throw StudyRequestException.Invalid($"phases[{d.Phase}].sha256", $"phase {d.Phase}: SHA-256 of the received bytes does not match the header", "SHA256_MISMATCH");
            }
        }

        foreach (var state in _phases.Values)
        {
            RefuseNonFinite(state);
        }

        var stored = _phases.Values
            .OrderBy(s => s.Descriptor.Phase)
            .Select(s => new StoredPhase(s.Descriptor, s.Buffer, s.WireBytes))
            .ToList();
        _finished = true;
        return _store.Commit(this, stored);
    }

    /// <summary>
    /// A float32 phase with NaN or infinite voxels is refused here rather than stored: NaN passes the
    /// model's clipping and would come back as "no renal mass found" without any error.
    /// </summary>
    private static void RefuseNonFinite(PhaseState state)
    {
        var d = state.Descriptor;
        if (d.VoxelType != VoxelType.Float32) return;
        long count = Volume.CountNonFinite(MemoryMarshal.Cast<byte, float>(state.Buffer.AsSpan(0, checked((int)d.ByteLength))));
        if (count > 0)
        {
            throw StudyRequestException.Invalid($"phases[{d.Phase}]", $"phase {d.Phase}: {count} of {d.VoxelCount} float32 voxels are NaN or infinite; " +
                "replace them (e.g. with -1024 HU, air, outside the scanned field) before uploading", "NON_FINITE_VOXELS");
        }
    }

    public void Dispose()
    {
        _decoder.Dispose();
        _hasher?.Dispose(); // before the buffers go back to the pool: the worker may still be reading one
        foreach (var state in _phases.Values)
        {
            state.Digest.Dispose();
        }

        if (_finished || Existing is not null)
        {
            return;
        }

        _finished = true;
        foreach (var state in _phases.Values)
        {
            _store.Buffers.Return(state.Buffer);
        }

        _store.Release(ReservedBytes);
    }

    private sealed class PhaseState(PhaseDescriptor descriptor, byte[] buffer)
    {
        public PhaseDescriptor Descriptor { get; } = descriptor;
        public byte[] Buffer { get; } = buffer;
        public PhaseDigest Digest { get; } = new(buffer);
        public ReceivedRanges Ranges { get; } = new();
        public ulong WireBytes { get; set; }
    }
}
