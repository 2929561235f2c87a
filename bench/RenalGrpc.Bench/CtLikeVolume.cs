using RenalGrpc.Imaging;

namespace RenalGrpc.Bench;

/// <summary>
/// Synthetic abdominal-CT-like int16 HU volume: air outside an elliptical body of soft tissue with
/// fat rim, two kidney-like ellipsoids, a spine-like bone disc, noise (sd ~12 HU) everywhere in the
/// circular field of view and the usual constant padding outside it,
/// so that gzip sees CT's compression ratio rather than a trivially compressible block of zeros.
/// </summary>
internal static class CtLikeVolume
{
    public static Volume Create(int nx, int ny, int nz)
    {
        var geometry = Geometry.Axial(new GridSize(nx, ny, nz), new Vec3(0.78, 0.78, 1.5), new Vec3(-200, -200, -300));
        var volume = Volume.Create(geometry, VoxelType.Int16);
        var voxels = volume.Voxels<short>();
        ulong state = 0x9E3779B97F4A7C15UL;
        for (int k = 0; k < nz; k++)
        {
            double z = (k - nz / 2.0) / nz;
            for (int j = 0; j < ny; j++)
            {
                double y = (j - ny / 2.0) / (ny * 0.35);
                int row = (k * ny + j) * nx;
                for (int i = 0; i < nx; i++)
                {
                    double x = (i - nx / 2.0) / (nx * 0.42);
                    double r = x * x + y * y;
                    double hu;
                    if (r > 1) hu = -1000;
                    else if (r > 0.85) hu = -90; // subcutaneous fat
                    else hu = 45;
                    double kx = Math.Abs(x) - 0.35, ky = y + 0.1;
                    if (kx * kx / 0.02 + ky * ky / 0.05 + z * z / 0.06 < 1) hu = 160 + 40 * Math.Cos(ky * 20); // enhancing kidneys
                    double sx = x, sy = y + 0.55;
                    if (sx * sx + sy * sy < 0.012) hu = 700; // vertebra
                    double fx = (i - nx / 2.0) / (nx / 2.0), fy = (j - ny / 2.0) / (ny / 2.0);
                    if (fx * fx + fy * fy > 1)
                    {
                        voxels[row + i] = -1024; // outside the scanner's field of view: padding value
                        continue;
                    }
                    {
                        // Sum of four uniforms: roughly Gaussian, cheap.
                        state ^= state << 13; state ^= state >> 7; state ^= state << 17;
                        double noise = ((state & 0xFFFF) + ((state >> 16) & 0xFFFF) + ((state >> 32) & 0xFFFF) + (state >> 48)) / 65535.0 - 2.0;
                        hu += noise * 21;
                    }
                    voxels[row + i] = (short)Math.Round(hu);
                }
            }
        }
        return volume;
    }
}
