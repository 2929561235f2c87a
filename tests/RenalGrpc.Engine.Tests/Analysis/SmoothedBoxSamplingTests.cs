using RenalGrpc.Engine.Analysis;
using RenalGrpc.Engine.Preprocessing;
using RenalGrpc.Imaging;
using RenalGrpc.Imaging.Resampling;

namespace RenalGrpc.Engine.Tests.Analysis;

/// <summary>The kidney-ROI stage's anti-aliased box sampling: the same values as smoothing the whole image first, at a box's cost.</summary>
public sealed class SmoothedBoxSamplingTests
{
    private static Volume NoisyImage(int seed)
    {
        var random = new Random(seed);
        var geometry = new Geometry(new GridSize(60, 50, 24), new Vec3(0.75, 0.75, 2.5), new Vec3(-20, 10, 40), Matrix3.Identity);
        var values = new float[geometry.VoxelCount];
        for (int n = 0; n < values.Length; n++) values[n] = (float)(60 + 40 * (random.NextDouble() - 0.5) + (n % 7) * 30);
        return Volume.FromVoxels<float>(geometry, values);
    }

    private static Geometry BoxInside(Volume image, Vec3 spacing) =>
        new(new GridSize(8, 7, 5), spacing, image.Geometry.IndexToPhysical(17.3, 12.6, 6.2), Matrix3.Identity);

    [Fact]
    public void EqualsSmoothingTheWholeImageThenSampling()
    {
        var image = NoisyImage(1);
        var box = BoxInside(image, new Vec3(2.5, 2.5, 5));
        var normalization = IntensityNormalization.Paper;
        var ours = new float[box.VoxelCount];
        SmoothedBoxSampling.SampleInto(image, box, normalization, ours);

        var whole = image.Voxels<float>().ToArray();
        for (int n = 0; n < whole.Length; n++) whole[n] = normalization.Apply(whole[n]);
        GaussianSmoothing.SmoothInPlace(whole, image.Size, GaussianSmoothing.AntiAliasingSigma(image.Geometry.Spacing, box.Spacing));
        var expected = new float[box.VoxelCount];
        PhaseWarp.SampleInto(Volume.FromVoxels<float>(image.Geometry, whole), box, LpsAffine.Identity, expected);
        for (int n = 0; n < expected.Length; n++) Assert.Equal(expected[n], ours[n], 4);

        // And it is not the plain sample: the box really was smoothed.
        var plain = new float[box.VoxelCount];
        PhaseWarp.SampleInto(image, box, LpsAffine.Identity, plain);
        Assert.True(Enumerable.Range(0, plain.Length).Max(n => Math.Abs(normalization.Apply(plain[n]) - ours[n])) > 0.05);
    }

    [Fact]
    public void BeyondTheImageReadsAirAndABoxAsCoarseAsTheImageIsNotSmoothed()
    {
        var image = NoisyImage(2);
        var normalization = IntensityNormalization.Paper;
        // Half of this box hangs off the image's first slices.
        var box = new Geometry(new GridSize(6, 6, 6), new Vec3(2.5, 2.5, 5), image.Geometry.IndexToPhysical(10, 10, -6), Matrix3.Identity);
        var values = new float[box.VoxelCount];
        SmoothedBoxSampling.SampleInto(image, box, normalization, values);
        Assert.Equal(normalization.Lowest, values[0]);
        Assert.Contains(values, v => v > normalization.Lowest + 0.5f);

        var coarse = new Geometry(new GridSize(5, 5, 3), new Vec3(0.75, 0.75, 2.5), image.Geometry.IndexToPhysical(20, 20, 8), Matrix3.Identity);
        var same = new float[coarse.VoxelCount];
        SmoothedBoxSampling.SampleInto(image, coarse, normalization, same);
        var plain = new float[coarse.VoxelCount];
        PhaseWarp.SampleInto(image, coarse, LpsAffine.Identity, plain);
        for (int n = 0; n < plain.Length; n++) Assert.Equal(normalization.Apply(plain[n]), same[n], 5);
    }
}
