using RenalGrpc.Imaging;

namespace RenalGrpc.Bench;

/// <summary>
/// A deterministic abdomen-like CT: air, an elliptical body of soft tissue with noise, fat rim,
/// spine, ribs and two contrast-enhanced kidneys. Realistic value ranges and structure sizes, so
/// interpolation and labelling do the work they do on real scans.
/// </summary>
internal static class SyntheticCt
{
    public static Volume Create(Geometry geometry)
    {
        var size = geometry.Size;
        var volume = Volume.Create(geometry, VoxelType.Int16);
        var buffer = volume.Buffer;
        Parallel.For(0, size.K, k =>
        {
            var slice = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, short>(buffer.AsSpan()).Slice(k * size.I * size.J, size.I * size.J);
            double z = k * geometry.Spacing.Z;
            for (int j = 0; j < size.J; j++)
            {
                double y = (j - size.J / 2.0) * geometry.Spacing.Y;
                for (int i = 0; i < size.I; i++)
                {
                    double x = (i - size.I / 2.0) * geometry.Spacing.X;
                    slice[j * size.I + i] = (short)(Tissue(x, y, z) + Noise(i, j, k));
                }
            }
        });
        return volume;
    }

    private static double Tissue(double x, double y, double z)
    {
        double body = (x / 160) * (x / 160) + (y / 115) * (y / 115);
        if (body > 1) return -1000;
        if (body > 0.85) return -100; // subcutaneous fat
        double spine = (x * x + (y - 70) * (y - 70)) / (16 * 16);
        if (spine < 1) return 700;
        // Ribs: a ring segment every ~25 mm along z.
        double angle = Math.Atan2(y, x);
        if (body > 0.7 && body < 0.76 && Math.Sin(z / 4) > 0.6 && Math.Abs(Math.Sin(angle * 6)) > 0.3) return 600;
        foreach (double side in (ReadOnlySpan<double>)[-1.0, 1.0])
        {
            double kx = (x - side * 65) / 30, ky = (y - 35) / 25, kz = (z - 380) / 55;
            double kidney = kx * kx + ky * ky + kz * kz;
            if (kidney < 0.6) return 180; // enhancing cortex/medulla
            if (kidney < 1) return 240;
        }
        return 45;
    }

    // Cheap integer hash noise, +-30 HU.
    private static int Noise(int i, int j, int k)
    {
        uint h = (uint)(i * 73856093) ^ (uint)(j * 19349663) ^ (uint)(k * 83492791);
        h ^= h >> 13;
        h *= 0x5bd1e995;
        h ^= h >> 15;
        return (int)(h % 61) - 30;
    }
}
