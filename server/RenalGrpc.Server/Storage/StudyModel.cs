using RenalGrpc.Engine.Analysis;
using RenalGrpc.Imaging;

namespace RenalGrpc.Server.Storage;

/// <summary>CT phase; values equal the wire enum so translation is a cast.</summary>
public enum StudyPhase
{
    N = 1,
    A = 2,
    P = 3,
    D = 4,
}

/// <summary>How one chunk's bytes are encoded; values equal the wire enum.</summary>
public enum ChunkCompression
{
    None = 0,
    Zstd = 1,
    Lz4 = 2,
}

/// <summary>A phase descriptor as the client sent it, before validation (raw enum values, nullable geometry).</summary>
public sealed record PhaseDescriptorInput(
    int Phase,
    int VoxelType,
    GeometryInput? Geometry,
    ulong ByteLength,
    byte[] Sha256);

/// <summary>Geometry as sent: spacing/origin may be missing, direction any length.</summary>
public sealed record GeometryInput(
    uint SizeI,
    uint SizeJ,
    uint SizeK,
    double[]? Spacing,
    double[]? Origin,
    double[] Direction);

/// <summary>A validated phase descriptor. Arrays are owned copies: spacing 3, origin 3, direction 9 (row-major).</summary>
public sealed record PhaseDescriptor(
    StudyPhase Phase,
    VoxelType VoxelType,
    uint SizeI,
    uint SizeJ,
    uint SizeK,
    double[] Spacing,
    double[] Origin,
    double[] Direction,
    ulong ByteLength,
    byte[] Sha256)
{
    public ulong VoxelCount => (ulong)SizeI * SizeJ * SizeK;
}

/// <summary>One chunk of an upload as sent.</summary>
public readonly record struct ChunkInput(
    int Phase,
    ulong Offset,
    ReadOnlyMemory<byte> Data,
    int Compression,
    uint UncompressedLength);

/// <summary>One stored phase: its descriptor, its bytes (a pooled array, possibly longer than the volume) and the wire byte count.</summary>
public sealed class StoredPhase(PhaseDescriptor descriptor, byte[] buffer, ulong bytesReceived)
{
    public PhaseDescriptor Descriptor { get; } = descriptor;

    /// <summary>The pooled array; only the first <see cref="PhaseDescriptor.ByteLength"/> bytes are the volume.</summary>
    internal byte[] Buffer { get; } = buffer;

    public ulong BytesReceived { get; } = bytesReceived;

    public ReadOnlyMemory<byte> Voxels => Buffer.AsMemory(0, checked((int)Descriptor.ByteLength));
}

/// <summary>A stored study: content-addressed, kept in memory until it is idle longer than the TTL.</summary>
public sealed class StoredStudy(string id, IReadOnlyList<StoredPhase> phases, DateTimeOffset createdAt, DateTimeOffset expiresAt)
{
    private long _expiresAtTicks = expiresAt.UtcTicks;

    public string Id { get; } = id;
    public IReadOnlyList<StoredPhase> Phases { get; } = phases;
    public DateTimeOffset CreatedAt { get; } = createdAt;
    private StoredAnalysis? _analysis;

    public ulong TotalBytes { get; } = phases.Aggregate(0UL, (sum, p) => sum + p.Descriptor.ByteLength);

    /// <summary>The latest analysis (aligned images and labels) for the edit loop; null until Analyze ran.</summary>
    public StoredAnalysis? Analysis => Volatile.Read(ref _analysis);

    public uint SegmentationRevision => Analysis?.Revision ?? 0;

    /// <summary>
    /// The highest revision number given out for this study, kept or not (read and written under the
    /// store's lock). A new Analyze numbers its labels from here, so a number never names two label
    /// maps: an edit made against an earlier Analyze's labels (another grid, if the reference phase
    /// changed) is stale instead of being applied to the new ones.
    /// </summary>
    internal uint RevisionsIssued { get; set; }

    internal StoredAnalysis? ReplaceAnalysis(StoredAnalysis? analysis) => Interlocked.Exchange(ref _analysis, analysis);

    public DateTimeOffset ExpiresAt => new(Interlocked.Read(ref _expiresAtTicks), TimeSpan.Zero);

    internal void Touch(DateTimeOffset expiresAt) => Interlocked.Exchange(ref _expiresAtTicks, expiresAt.UtcTicks);
}

/// <summary>
/// What Analyze leaves with a study so edits re-classify without re-segmenting: every phase on the
/// reference grid, the latest revision's reference-grid labels whole, and per older revision the
/// <see cref="RevisionUndo"/> that gets it back from the one after it (<c>Undo[n - 1]</c> turns
/// revision <c>FirstRevision + n</c> into the one before; Analyze's result is <see cref="FirstRevision"/>:
/// 1, or the number after the last one an earlier Analyze and its edits used), and the bytes they hold (counted in the
/// store's memory budget). Immutable: an edit makes a new record with one more revision, so a reader
/// streaming an old revision never sees it change. <see cref="Diagnosed"/> is the latest revision's
/// diagnosis with each lesion's voxels (a few runs per lesion, not counted in the budget), so the next
/// edit re-measures only the lesions it touches; null = re-diagnose whole.
/// </summary>
public sealed record StoredAnalysis(AlignedStudy Aligned, Volume Labels, IReadOnlyList<RevisionUndo> Undo, ulong Bytes, DiagnosedLabels? Diagnosed = null, uint FirstRevision = 1)
{
    /// <summary>The latest revision's number.</summary>
    public uint Revision => FirstRevision + (uint)Undo.Count;

    /// <summary>Analyze's check of the scans (how each phase enhances and aligned); edits answer it again, since they change no scan.</summary>
    public PhaseCheckRecord? PhaseCheck { get; init; }

    /// <summary>
    /// The labels of revision <paramref name="revision"/>; null when this analysis has no such
    /// revision (before <see cref="FirstRevision"/> or after the latest). An older one is rebuilt
    /// from the latest (a copy, then each undo box written back).
    /// </summary>
    public Volume? LabelsAt(uint revision)
    {
        if (revision < FirstRevision || revision > Revision) return null;
        if (revision == Revision) return Labels;
        var buffer = (byte[])Labels.Buffer.Clone();
        for (int n = Undo.Count - 1; n >= revision - FirstRevision; n--) Undo[n].ApplyTo(buffer, Labels.Size);
        return new Volume(Labels.Geometry, Labels.VoxelType, buffer);
    }

    public static ulong BytesOf(AlignedStudy aligned, Volume labels) =>
        (ulong)labels.Buffer.LongLength + aligned.ImagesOnReference.Values.Aggregate(0UL, (sum, v) => sum + (ulong)v.Buffer.LongLength);
}

/// <summary>What <see cref="StudyStore.AttachAnalysis"/> did: the revision number the labels got and the kept analysis (null when not kept).</summary>
public readonly record struct AttachedAnalysis(uint Revision, StoredAnalysis? Kept);
