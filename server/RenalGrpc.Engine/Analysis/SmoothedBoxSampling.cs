using RenalGrpc.Engine.Preprocessing;
using RenalGrpc.Imaging;
using RenalGrpc.Imaging.Resampling;

namespace RenalGrpc.Engine.Analysis;

/// <summary>
/// Samples a box on a coarser grid (the kidney-ROI stage's model-spacing box) from an image on a finer
/// grid (the reference phase's), anti-aliased: the part of the image under the box is clipped and
/// z-scored, smoothed over a box voxel's footprint (<see cref="GaussianSmoothing.AntiAliasingSigma"/>),
/// then sampled trilinearly, as stage 1's preprocessing does with anti-aliasing on. Only that part is
/// copied and smoothed, so a box costs its own size, not the image's.
/// </summary>
public static class SmoothedBoxSampling
{
    /// <summary>
    /// Normalised values of <paramref name="image"/> (HU) at every voxel of <paramref name="box"/>, i fastest;
    /// beyond the image's field of view the normalisation's lowest value (what air reads).
    /// </summary>
    public static void SampleInto(Volume image, Geometry box, IntensityNormalization normalization, Span<float> destination)
    {
        ArgumentNullException.ThrowIfNull(image);
        ArgumentNullException.ThrowIfNull(box);
        ArgumentNullException.ThrowIfNull(normalization);
        var map = PhaseWarp.IndexMap(image.Geometry, box, LpsAffine.Identity);
        // A box voxel's footprint along each image axis, in image voxels (box and image share directions
        // here; for an oblique box the largest step along that axis stands in for it).
        Span<double> footprint = stackalloc double[3];
        for (int a = 0; a < 3; a++)
            footprint[a] = Math.Max(Math.Abs(map.Linear[a, 0]), Math.Max(Math.Abs(map.Linear[a, 1]), Math.Abs(map.Linear[a, 2])));
        var sigma = GaussianSmoothing.AntiAliasingSigma(new Vec3(1, 1, 1), new Vec3(footprint[0], footprint[1], footprint[2]));

        // The image's index range under the box, grown by the kernel and a voxel for trilinear reads.
        Span<int> start = stackalloc int[3];
        Span<int> end = stackalloc int[3];
        for (int a = 0; a < 3; a++)
        {
            double low = double.MaxValue, high = double.MinValue;
            for (int corner = 0; corner < 8; corner++)
            {
                var p = map.Apply(new Vec3((corner & 1) == 0 ? -0.5 : box.Size.I - 0.5,
                    (corner & 2) == 0 ? -0.5 : box.Size.J - 0.5, (corner & 4) == 0 ? -0.5 : box.Size.K - 0.5));
                low = Math.Min(low, p[a]);
                high = Math.Max(high, p[a]);
            }
            int margin = GaussianSmoothing.Kernel(sigma[a]).Length / 2 + 2;
            start[a] = (int)Math.Clamp(Math.Floor(low) - margin, 0, image.Size[a] - 1);
            end[a] = (int)Math.Clamp(Math.Ceiling(high) + margin, 0, image.Size[a] - 1);
        }
        if (start[0] > end[0] || start[1] > end[1] || start[2] > end[2])
        {
            destination.Fill(normalization.Lowest);
            return;
        }

        var size = new GridSize(end[0] - start[0] + 1, end[1] - start[1] + 1, end[2] - start[2] + 1);
        var values = new float[size.VoxelCount];
        // The aligned images are float32 and whole-field: read them in place rather than copy one per box.
        ReadOnlySpan<float> source = image.VoxelType == VoxelType.Float32
            ? System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(image.Buffer)
            : image.ToFloatArray();
        var full = image.Size;
        for (int k = 0; k < size.K; k++)
            for (int j = 0; j < size.J; j++)
            {
                int from = (int)full.Index(start[0], start[1] + j, start[2] + k), to = (int)size.Index(0, j, k);
                for (int i = 0; i < size.I; i++) values[to + i] = normalization.Apply(source[from + i]);
            }
        GaussianSmoothing.SmoothInPlace(values, size, sigma, maxParallelism: 1);
        var part = image.Geometry with { Size = size, Origin = image.Geometry.IndexToPhysical(start[0], start[1], start[2]) };
        PhaseWarp.SampleInto(Volume.FromVoxels<float>(part, values), box, LpsAffine.Identity, destination, normalization.Lowest);
    }
}
