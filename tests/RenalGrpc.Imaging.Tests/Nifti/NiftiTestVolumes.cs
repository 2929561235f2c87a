using System.Runtime.InteropServices;

namespace RenalGrpc.Imaging.Tests.Nifti;

/// <summary>Random volumes and geometries for write / round-trip tests.</summary>
public static class NiftiTestVolumes
{
    public static readonly VoxelType[] AllTypes = [VoxelType.UInt8, VoxelType.Int16, VoxelType.UInt16, VoxelType.Float32];

    /// <summary>A uniformly random rotation (from a random unit quaternion), made left-handed on request.</summary>
    public static Matrix3 RandomDirection(Random random, bool leftHanded)
    {
        double a, b, c, d, norm;
        do
        {
            a = random.NextDouble() * 2 - 1; b = random.NextDouble() * 2 - 1;
            c = random.NextDouble() * 2 - 1; d = random.NextDouble() * 2 - 1;
            norm = Math.Sqrt(a * a + b * b + c * c + d * d);
        } while (norm < 0.1 || norm > 1);
        a /= norm; b /= norm; c /= norm; d /= norm;
        var r = new Matrix3(
            a * a + b * b - c * c - d * d, 2 * (b * c - a * d), 2 * (b * d + a * c),
            2 * (b * c + a * d), a * a + c * c - b * b - d * d, 2 * (c * d - a * b),
            2 * (b * d - a * c), 2 * (c * d + a * b), a * a + d * d - c * c - b * b);
        return leftHanded ? Matrix3.FromColumns(r.Column(0), r.Column(1), r.Column(2) * -1) : r;
    }

    public static Geometry RandomGeometry(Random random, bool leftHanded) => new(
        new GridSize(random.Next(1, 7), random.Next(1, 7), random.Next(1, 7)),
        new Vec3(Spacing(random), Spacing(random), Spacing(random)),
        new Vec3(Coordinate(random), Coordinate(random), Coordinate(random)),
        RandomDirection(random, leftHanded));

    /// <summary>Random bits as voxels (float32 includes NaN and infinity patterns: they too must survive).</summary>
    public static Volume RandomVolume(Random random, Geometry geometry, VoxelType type)
    {
        var buffer = new byte[geometry.VoxelCount * type.BytesPerVoxel()];
        random.NextBytes(buffer);
        return new Volume(geometry, type, buffer);
    }

    /// <summary>Smooth, integer-valued content that also reads back exactly through float64 (nibabel's get_fdata).</summary>
    public static Volume GradientVolume(Geometry geometry, VoxelType type)
    {
        var volume = Volume.Create(geometry, type);
        var s = geometry.Size;
        for (int k = 0; k < s.K; k++)
            for (int j = 0; j < s.J; j++)
                for (int i = 0; i < s.I; i++)
                {
                    int value = (i * 7 + j * 13 + k * 29) % 251;
                    long n = s.Index(i, j, k);
                    switch (type)
                    {
                        case VoxelType.UInt8: volume.Buffer[n] = (byte)value; break;
                        case VoxelType.Int16: volume.Voxels<short>()[(int)n] = (short)(value * 37 - 1024); break;
                        case VoxelType.UInt16: volume.Voxels<ushort>()[(int)n] = (ushort)(value * 251); break;
                        case VoxelType.Float32: volume.Voxels<float>()[(int)n] = value * 0.125f - 3.5f; break;
                    }
                }
        return volume;
    }

    public static bool SameBits(Volume a, Volume b) =>
        a.VoxelType == b.VoxelType && MemoryMarshal.AsBytes(a.Buffer.AsSpan()).SequenceEqual(b.Buffer);

    private static double Spacing(Random random) => 0.3 + random.NextDouble() * 4.7;

    private static double Coordinate(Random random) => random.NextDouble() * 500 - 250;
}
