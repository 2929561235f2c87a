using System.Security.Cryptography;
using Google.Protobuf;
using RenalGrpc.Imaging;
using RenalGrpc.Serving;
using V1 = RenalGrpc.V1;

namespace RenalGrpc.Server.Analysis;

/// <summary>A label map as the contract streams it: one SegmentationHeader, then uint8 chunks of at most 1 MiB.</summary>
public static class SegmentationEncoder
{
    public const int ChunkBytes = 1 << 20;

    /// <summary>Labels as uint8 (KiTS23 values fit); other voxel types are converted.</summary>
    public static Volume AsUInt8(Volume labels)
    {
        if (labels.VoxelType == VoxelType.UInt8)
        {
            return labels;
        }

        var bytes = new byte[labels.VoxelCount];
        for (long n = 0; n < bytes.LongLength; n++)
        {
            bytes[n] = (byte)Math.Clamp(labels.GetFloat(n), 0, 255);
        }

        return new Volume(labels.Geometry, VoxelType.UInt8, bytes);
    }

    public static V1.SegmentationHeader Header(Volume labels, string gridPhase, uint revision, bool isReferenceGrid) => new()
    {
        GridPhase = DiagnosisMapping.MapToPhase(gridPhase),
        Geometry = DiagnosisMapping.MapToGeometry(labels.Geometry),
        VoxelType = V1.VoxelType.Uint8,
        ByteLength = (ulong)labels.Buffer.LongLength,
        Sha256 = ByteString.CopyFrom(SHA256.HashData(labels.Buffer)),
        Revision = revision,
        IsReferenceGrid = isReferenceGrid,
    };

    /// <summary>Chunks that wrap the label buffer without copying; the buffer must not change while they are sent.</summary>
    public static IEnumerable<V1.VolumeChunk> Chunks(Volume labels, string gridPhase)
    {
        var phase = DiagnosisMapping.MapToPhase(gridPhase);
        for (var offset = 0; offset < labels.Buffer.Length; offset += ChunkBytes)
        {
            var length = Math.Min(ChunkBytes, labels.Buffer.Length - offset);
            yield return new V1.VolumeChunk
            {
                Phase = phase,
                Offset = (ulong)offset,
                Data = UnsafeByteOperations.UnsafeWrap(labels.Buffer.AsMemory(offset, length)),
            };
        }
    }
}
