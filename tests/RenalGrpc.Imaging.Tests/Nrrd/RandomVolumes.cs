namespace RenalGrpc.Imaging.Tests.Nrrd;

/// <summary>Small volumes with random oblique geometry (proper and improper rotations) and random voxels.</summary>
public static class RandomVolumes
{
    public static Geometry RandomGeometry(Random random)
    {
        var size = new GridSize(random.Next(1, 14), random.Next(1, 12), random.Next(1, 10));
        var spacing = new Vec3(0.1 + random.NextDouble() * 4, 0.1 + random.NextDouble() * 4, 0.1 + random.NextDouble() * 6);
        var origin = new Vec3((random.NextDouble() - 0.5) * 800, (random.NextDouble() - 0.5) * 800, (random.NextDouble() - 0.5) * 2000);
        return new Geometry(size, spacing, origin, RandomRotation(random));
    }

    /// <summary>Random orthonormal matrix from Gram-Schmidt; half of them left-handed (det -1).</summary>
    public static Matrix3 RandomRotation(Random random)
    {
        Vec3 Gaussian() => new(random.NextDouble() - 0.5, random.NextDouble() - 0.5, random.NextDouble() - 0.5);
        var a = Gaussian().Normalized();
        var b = Gaussian();
        b = (b - a * a.Dot(b)).Normalized();
        var c = a.Cross(b);
        if (random.Next(2) == 0) c = c * -1;
        return Matrix3.FromColumns(a, b, c);
    }

    public static Volume Create(Random random, VoxelType type) => Create(random, type, RandomGeometry(random));

    public static Volume Create(Random random, VoxelType type, Geometry geometry)
    {
        var bytes = new byte[geometry.VoxelCount * type.BytesPerVoxel()];
        random.NextBytes(bytes);
        if (type == VoxelType.Float32)
        {
            // Random bytes can spell NaNs, whose payloads are still compared bit for bit; keep a few.
            var floats = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(bytes.AsSpan());
            for (int n = 0; n < floats.Length; n++) if (n % 3 != 0) floats[n] = (float)((random.NextDouble() - 0.5) * 4000);
        }
        return new Volume(geometry, type, bytes);
    }
}
