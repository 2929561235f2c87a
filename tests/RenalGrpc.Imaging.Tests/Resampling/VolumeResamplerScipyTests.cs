using RenalGrpc.Imaging.Resampling;

namespace RenalGrpc.Imaging.Tests.Resampling;

/// <summary>Our resampler against scipy.ndimage.map_coordinates on random axis-aligned and oblique grids.</summary>
public sealed class VolumeResamplerScipyTests
{
    private static Volume RandomSource(Random random, bool oblique, GridSize size)
    {
        var direction = oblique ? RandomGrids.Rotation(random) : Matrix3.Identity;
        var geometry = new Geometry(size, RandomGrids.Spacing(random), new Vec3(-40, 25, 110), direction);
        return Volume.FromVoxels<float>(geometry, RandomGrids.Values(random, size.VoxelCount, -100, 100));
    }

    private static Geometry RandomTarget(Random random, Volume source, bool oblique) =>
        RandomGrids.TargetAround(source.Geometry, new GridSize(23, 19, 15), RandomGrids.Spacing(random),
            oblique ? RandomGrids.Rotation(random) : Matrix3.Identity, random);

    private static void AssertClose(double[] expected, ReadOnlySpan<float> actual, double tolerance)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int n = 0; n < expected.Length; n++)
        {
            if (Math.Abs(expected[n] - actual[n]) > tolerance)
                Assert.Fail($"voxel {n}: scipy {expected[n]}, ours {actual[n]}");
        }
    }

    [Theory]
    [InlineData(1, false, Interpolation.Linear)]
    [InlineData(2, true, Interpolation.Linear)]
    [InlineData(3, false, Interpolation.Nearest)]
    [InlineData(4, true, Interpolation.Nearest)]
    public void MatchesMapCoordinatesInConstantMode(int seed, bool oblique, Interpolation interpolation)
    {
        var random = new Random(seed);
        var source = RandomSource(random, oblique, new GridSize(21, 17, 13));
        var target = RandomTarget(random, source, oblique);
        var ours = VolumeResampler.Resample(source, target, interpolation, outsideValue: -7.5f);
        var scipy = ScipyResampleReference.Resample(source, target, interpolation, -7.5f, SourceBounds.EdgeVoxelCentres);
        AssertClose(scipy, ours.Voxels<float>(), 1e-3);
        Assert.True(ours.Geometry.IsSameGrid(target));
        // The comparison only means something if the grids overlap partly: some voxels inside, some outside.
        int outside = scipy.Count(v => v == -7.5);
        Assert.InRange(outside, 1, scipy.Length - 100);
    }

    [Fact]
    public void ObliqueSourceToAxialTargetMatches()
    {
        var random = new Random(5);
        var source = RandomSource(random, oblique: true, new GridSize(16, 24, 9));
        var target = RandomTarget(random, source, oblique: false);
        var ours = VolumeResampler.Resample(source, target, Interpolation.Linear);
        AssertClose(ScipyResampleReference.Resample(source, target, Interpolation.Linear, 0, SourceBounds.EdgeVoxelCentres), ours.Voxels<float>(), 1e-3);
    }

    [Fact]
    public void Int16LinearRoundsToNearestLikeScipy()
    {
        var random = new Random(6);
        var size = new GridSize(19, 15, 12);
        var geometry = new Geometry(size, RandomGrids.Spacing(random), new Vec3(5, -3, 2), RandomGrids.Rotation(random));
        var values = RandomGrids.Values(random, size.VoxelCount, -1024, 3000).Select(v => (short)v).ToArray();
        var source = Volume.FromVoxels<short>(geometry, values);
        var target = RandomTarget(random, source, oblique: true);
        var ours = VolumeResampler.Resample(source, target, Interpolation.Linear, outsideValue: -1024).Voxels<short>();
        var scipy = ScipyResampleReference.Resample(source, target, Interpolation.Linear, -1024, SourceBounds.EdgeVoxelCentres);
        for (int n = 0; n < scipy.Length; n++)
            Assert.True(Math.Abs(scipy[n] - ours[n]) <= 0.5 + 1e-6, $"voxel {n}: scipy {scipy[n]}, ours {ours[n]}");
    }

    [Fact]
    public void FaceBoundsMatchScipyNearestModeInsideTheFieldOfView()
    {
        var random = new Random(7);
        var source = RandomSource(random, oblique: true, new GridSize(14, 12, 10));
        var target = RandomTarget(random, source, oblique: true);
        var ours = VolumeResampler.Resample(source, target, Interpolation.Linear, 3f, SourceBounds.EdgeVoxelFaces);
        var scipy = ScipyResampleReference.Resample(source, target, Interpolation.Linear, 3f, SourceBounds.EdgeVoxelFaces);
        AssertClose(scipy, ours.Voxels<float>(), 1e-3);
    }

    [Fact]
    public void UInt8LabelsMatchScipyOrderZero()
    {
        var random = new Random(8);
        var size = new GridSize(20, 18, 11);
        var geometry = new Geometry(size, RandomGrids.Spacing(random), Vec3.Zero, RandomGrids.Rotation(random));
        var labels = new byte[size.VoxelCount];
        for (int n = 0; n < labels.Length; n++) labels[n] = (byte)random.Next(0, 4);
        var source = Volume.FromVoxels<byte>(geometry, labels);
        var target = RandomTarget(random, source, oblique: true);
        var ours = LabelResampler.Resample(source, target, outsideLabel: 9, SourceBounds.EdgeVoxelCentres).Voxels<byte>();
        var scipy = ScipyResampleReference.Resample(source, target, Interpolation.Nearest, 9, SourceBounds.EdgeVoxelCentres);
        for (int n = 0; n < scipy.Length; n++) Assert.Equal(scipy[n], ours[n]);
    }
}
