using System.Security.Cryptography;
using Grpc.Core;
using RenalGrpc.Imaging;
using Proto = RenalGrpc.V1;

namespace RenalGrpc.Client;

/// <summary>
/// Reads one Analyze stream: progress events, then header + chunks per grid (reassembled and
/// SHA-256 checked), then the single Diagnosis.
/// </summary>
internal sealed class AnalyzeCall(Proto.AnalysisService.AnalysisServiceClient client)
{
    public async Task<AnalyzeResult> RunAsync(Proto.AnalyzeRequest request, CallOptions options, IProgress<AnalyzeProgress>? progress)
    {
        using var call = client.Analyze(request, options);
        LabelAssembly? current = null;
        Volume? reference = null;
        string referencePhase = "";
        uint revision = 0;
        var masks = new Dictionary<string, Volume>(StringComparer.Ordinal);
        Proto.Diagnosis? diagnosis = null;

        void FinishGrid()
        {
            if (current is null) return;
            var volume = current.Finish();
            if (current.Header.IsReferenceGrid)
            {
                reference = volume;
                referencePhase = ProtoMapping.MapToPhaseCode(current.Header.GridPhase);
                revision = current.Header.Revision;
            }
            else
            {
                masks[ProtoMapping.MapToPhaseCode(current.Header.GridPhase)] = volume;
            }
            current = null;
        }

        await foreach (var message in call.ResponseStream.ReadAllAsync(options.CancellationToken))
        {
            if (diagnosis is not null) throw new InvalidDataException("the server sent messages after the diagnosis");
            switch (message.PayloadCase)
            {
                case Proto.AnalyzeResponse.PayloadOneofCase.Progress:
                    var p = message.Progress;
                    progress?.Report(new AnalyzeProgress(p.Stage, p.Fraction, (int)p.QueuePosition,
                        p.Phase == Proto.Phase.Unspecified ? null : ProtoMapping.MapToPhaseCode(p.Phase), p.Message));
                    break;
                case Proto.AnalyzeResponse.PayloadOneofCase.SegmentationHeader:
                    FinishGrid();
                    current = new LabelAssembly(message.SegmentationHeader);
                    break;
                case Proto.AnalyzeResponse.PayloadOneofCase.SegmentationChunk:
                    if (current is null) throw new InvalidDataException("the server sent a label chunk before its header");
                    current.Add(message.SegmentationChunk);
                    break;
                case Proto.AnalyzeResponse.PayloadOneofCase.Diagnosis:
                    FinishGrid();
                    diagnosis = message.Diagnosis;
                    break;
            }
        }

        if (diagnosis is null) throw new InvalidDataException("the server ended the Analyze stream without a diagnosis");
        if (reference is null) throw new InvalidDataException("the server sent a diagnosis without the reference-grid segmentation");
        return new AnalyzeResult(reference, referencePhase, revision, diagnosis, masks);
    }

    /// <summary>One grid's label bytes being put back together.</summary>
    internal sealed class LabelAssembly
    {
        private readonly byte[] _bytes;
        private readonly Geometry _geometry;
        private long _received;

        public LabelAssembly(Proto.SegmentationHeader header)
        {
            Header = header;
            if (header.VoxelType != Proto.VoxelType.Uint8) throw new InvalidDataException($"the server sent labels as {header.VoxelType}; expected UINT8");
            _geometry = ProtoMapping.MapToGeometry(header.Geometry ?? throw new InvalidDataException("segmentation header without geometry"));
            if ((ulong)_geometry.VoxelCount != header.ByteLength)
                throw new InvalidDataException($"segmentation header says {header.ByteLength} bytes for a {_geometry.Size} grid");
            _bytes = new byte[checked((int)header.ByteLength)];
        }

        public Proto.SegmentationHeader Header { get; }

        public void Add(Proto.VolumeChunk chunk)
        {
            if (chunk.Compression != Proto.Compression.None) throw new InvalidDataException($"the server sent a {chunk.Compression} label chunk; only uncompressed chunks are read");
            if (chunk.Phase != Header.GridPhase) throw new InvalidDataException($"label chunk for {chunk.Phase} inside the {Header.GridPhase} grid");
            if (chunk.Offset + (ulong)chunk.Data.Length > (ulong)_bytes.Length)
                throw new InvalidDataException($"label chunk at {chunk.Offset} (+{chunk.Data.Length}) runs past the {_bytes.Length}-byte label map");
            chunk.Data.Span.CopyTo(_bytes.AsSpan(checked((int)chunk.Offset)));
            _received += chunk.Data.Length;
        }

        public Volume Finish()
        {
            if (_received != _bytes.Length) throw new InvalidDataException($"received {_received} of {_bytes.Length} label bytes");
            if (!SHA256.HashData(_bytes).AsSpan().SequenceEqual(Header.Sha256.Span))
                throw new InvalidDataException("the label map does not match the SHA-256 in its header");
            return new Volume(_geometry, VoxelType.UInt8, _bytes);
        }
    }
}
