using System.Security.Cryptography;
using Google.Protobuf;
using RenalGrpc.V1;

namespace RenalGrpc.Server.Tests.Support;

/// <summary>One phase of a synthetic study: random voxels (seeded) with a matching descriptor.</summary>
public sealed record SyntheticPhase(VolumeDescriptor Descriptor, byte[] Bytes);

/// <summary>Builds multi-phase studies and the upload messages for them.</summary>
public static class SyntheticStudy
{
    public const int DefaultChunkBytes = 64 * 1024;

    public static SyntheticPhase Phase(Phase phase, uint i = 40, uint j = 32, uint k = 12, int seed = 1, VoxelType type = VoxelType.Int16, double[]? direction = null)
    {
        var bytesPerVoxel = type switch { VoxelType.Uint8 => 1, VoxelType.Float32 => 4, _ => 2 };
        var bytes = new byte[i * j * k * bytesPerVoxel];
        // Smooth-ish content so compression has something to find, plus noise so it is not trivial.
        var random = new Random(seed);
        for (var n = 0; n < bytes.Length; n++)
        {
            bytes[n] = (byte)((n / 64 % 7 == 0) ? random.Next(256) : (n / 512) & 0xff);
        }

        if (type == VoxelType.Float32)
        {
            // Random bytes read as float32 are sometimes NaN or infinite (exponent bits all set), which
            // the server refuses; clearing the exponent's lowest bit keeps the content random but finite.
            for (var n = 0; n + 3 < bytes.Length; n += 4)
            {
                if ((bytes[n + 3] & 0x7f) == 0x7f && (bytes[n + 2] & 0x80) != 0) bytes[n + 3] &= 0xfe;
            }
        }

        var descriptor = new VolumeDescriptor
        {
            Phase = phase,
            VoxelType = type,
            Geometry = new Geometry
            {
                SizeI = i,
                SizeJ = j,
                SizeK = k,
                Spacing = new Vector3 { X = 0.8, Y = 0.8, Z = 2.5 + (int)phase * 0.25 },
                Origin = new Vector3 { X = -100, Y = -120.5, Z = 30 * (int)phase },
                Direction = { direction ?? [1, 0, 0, 0, 1, 0, 0, 0, 1] },
            },
            ByteLength = (ulong)bytes.Length,
            Sha256 = ByteString.CopyFrom(SHA256.HashData(bytes)),
        };
        return new SyntheticPhase(descriptor, bytes);
    }

    public static SyntheticPhase[] FourPhases(int seed = 1) =>
    [
        Phase(V1.Phase.N, 40, 32, 12, seed),
        Phase(V1.Phase.A, 36, 30, 10, seed + 1),
        Phase(V1.Phase.P, 40, 32, 14, seed + 2),
        Phase(V1.Phase.D, 24, 20, 8, seed + 3, VoxelType.Float32),
    ];

    public static UploadStudyRequest Header(params SyntheticPhase[] phases) =>
        new() { Header = new UploadHeader { Phases = { phases.Select(p => p.Descriptor.Clone()) } } };

    public static UploadStudyRequest Chunk(Phase phase, ulong offset, ReadOnlySpan<byte> data) =>
        new() { Chunk = new VolumeChunk { Phase = phase, Offset = offset, Data = ByteString.CopyFrom(data) } };

    public static IEnumerable<UploadStudyRequest> Chunks(SyntheticPhase phase, int chunkBytes = DefaultChunkBytes, Func<byte[], byte[]>? compress = null, Compression compression = Compression.None)
    {
        for (var offset = 0; offset < phase.Bytes.Length; offset += chunkBytes)
        {
            var slice = phase.Bytes.AsSpan(offset, Math.Min(chunkBytes, phase.Bytes.Length - offset)).ToArray();
            var chunk = new VolumeChunk { Phase = phase.Descriptor.Phase, Offset = (ulong)offset, Compression = compression };
            if (compress is null)
            {
                chunk.Data = ByteString.CopyFrom(slice);
            }
            else
            {
                chunk.Data = ByteString.CopyFrom(compress(slice));
                chunk.UncompressedLength = (uint)slice.Length;
            }

            yield return new UploadStudyRequest { Chunk = chunk };
        }
    }

    /// <summary>The whole upload: header, then every phase's chunks in order.</summary>
    public static List<UploadStudyRequest> Upload(params SyntheticPhase[] phases) =>
        [Header(phases), .. phases.SelectMany(p => Chunks(p))];
}
