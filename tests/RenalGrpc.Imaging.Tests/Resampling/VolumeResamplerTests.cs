using RenalGrpc.Imaging.Resampling;

namespace RenalGrpc.Imaging.Tests.Resampling;

public sealed class VolumeResamplerTests
{
    private static Geometry ObliqueGrid(GridSize size, Vec3 spacing) =>
        new(size, spacing, new Vec3(-12, 40, 7), RandomGrids.Rotation(new Random(11)));

    [Theory]
    [InlineData(Interpolation.Linear)]
    [InlineData(Interpolation.Nearest)]
    public void IdentityResamplingReturnsTheSameVoxels(Interpolation interpolation)
    {
        var geometry = ObliqueGrid(new GridSize(17, 13, 9), new Vec3(0.7, 0.9, 2.5));
        var random = new Random(1);
        var floats = Volume.FromVoxels<float>(geometry, RandomGrids.Values(random, geometry.VoxelCount, -1000, 1000));
        var shorts = Volume.FromVoxels<short>(geometry, RandomGrids.Values(random, geometry.VoxelCount, -1000, 1000).Select(v => (short)v).ToArray());
        Assert.Equal(floats.Buffer, VolumeResampler.Resample(floats, geometry, interpolation, outsideValue: 12345).Buffer);
        Assert.Equal(shorts.Buffer, VolumeResampler.Resample(shorts, geometry, interpolation, outsideValue: 12345).Buffer);
    }

    [Fact]
    public void FinerGridAndBackRecoversASmoothImage()
    {
        var geometry = ObliqueGrid(new GridSize(30, 28, 20), new Vec3(1.0, 1.2, 2.0));
        var values = new float[geometry.VoxelCount];
        for (int k = 0; k < 20; k++)
            for (int j = 0; j < 28; j++)
                for (int i = 0; i < 30; i++)
                {
                    var p = geometry.IndexToPhysical(i, j, k);
                    values[geometry.Size.Index(i, j, k)] = (float)(100 * Math.Sin(p.X / 9) * Math.Cos(p.Y / 11) + 50 * Math.Sin(p.Z / 13));
                }
        var image = Volume.FromVoxels<float>(geometry, values);
        var fine = VolumeResampler.ToSpacing(image, new Vec3(0.4, 0.5, 0.7), Interpolation.Linear);
        var back = VolumeResampler.Resample(fine, geometry, Interpolation.Linear, -9999, SourceBounds.EdgeVoxelFaces);
        var recovered = back.Voxels<float>();
        double worst = 0;
        for (int n = 0; n < values.Length; n++) worst = Math.Max(worst, Math.Abs(recovered[n] - values[n]));
        // Curvature error of two linear interpolations of a 150-unit field with ~10 mm wavelength.
        Assert.True(worst < 3.0, $"largest error {worst}");
        Assert.True(worst > 0, "a round trip through another grid cannot be bit-exact; the test would be vacuous");
    }

    [Fact]
    public void NearestLabelResamplingKeepsOnlyInputLabels()
    {
        var geometry = ObliqueGrid(new GridSize(25, 21, 14), new Vec3(0.8, 0.8, 3));
        var random = new Random(2);
        var labels = new byte[geometry.VoxelCount];
        for (int n = 0; n < labels.Length; n++) labels[n] = (byte)(random.Next(0, 3) * 2 + 1); // 1, 3, 5
        var map = Volume.FromVoxels<byte>(geometry, labels);
        var resampled = LabelResampler.ToSpacing(map, new Vec3(1.3, 0.6, 1.1));
        var seen = resampled.Voxels<byte>().ToArray().Distinct().Order().ToArray();
        Assert.Equal(new byte[] { 1, 3, 5 }, seen);
    }

    [Fact]
    public void ResampledGeometryKeepsTheOuterFacesOfTheFieldOfView()
    {
        var geometry = ObliqueGrid(new GridSize(512, 512, 300), new Vec3(0.7, 0.7, 2.5));
        var resampled = VolumeResampler.ResampledGeometry(geometry, new Vec3(1.5, 1.5, 1.5));
        Assert.Equal(new GridSize(239, 239, 500), resampled.Size); // round(358.4 / 1.5) = 239, 750 / 1.5 = 500
        Assert.Equal(1.5, resampled.Spacing.Z, 12);                // whole number of voxels: exact
        Assert.Equal(358.4 / 239, resampled.Spacing.X, 12);        // otherwise both faces fixed
        Assert.True(resampled.Direction.Equals(geometry.Direction));
        for (int corner = 0; corner < 8; corner++)
        {
            Vec3 Corner(Geometry g) => g.IndexToPhysical(
                (corner & 1) == 0 ? -0.5 : g.Size.I - 0.5, (corner & 2) == 0 ? -0.5 : g.Size.J - 0.5, (corner & 4) == 0 ? -0.5 : g.Size.K - 0.5);
            Assert.True((Corner(geometry) - Corner(resampled)).Length < 1e-9, $"corner {corner} moved");
        }
    }

    [Fact]
    public void ToSpacingFillsTheWholeFieldOfViewWithoutOutsideValues()
    {
        var geometry = Geometry.Axial(new GridSize(8, 8, 4), new Vec3(1, 1, 3), Vec3.Zero);
        var image = Volume.FromVoxels<short>(geometry, Enumerable.Repeat((short)-500, 256).ToArray());
        var fine = VolumeResampler.ToSpacing(image, new Vec3(0.5, 0.5, 1), Interpolation.Linear);
        Assert.Equal(new GridSize(16, 16, 12), fine.Size);
        Assert.All(fine.Voxels<short>().ToArray(), v => Assert.Equal(-500, v));
    }

    [Fact]
    public void LinearOnIntegerTypesClampsTheOutsideValue()
    {
        var geometry = Geometry.Axial(new GridSize(4, 4, 4), new Vec3(1, 1, 1), Vec3.Zero);
        var image = Volume.Create(geometry, VoxelType.UInt8);
        var shifted = Geometry.Axial(new GridSize(4, 4, 4), new Vec3(1, 1, 1), new Vec3(100, 0, 0));
        var result = VolumeResampler.Resample(image, shifted, Interpolation.Linear, outsideValue: 300);
        Assert.All(result.Buffer, v => Assert.Equal(255, v));
    }

    [Fact]
    public void BadInputIsRejectedWithClearErrors()
    {
        var geometry = Geometry.Axial(new GridSize(4, 4, 4), new Vec3(1, 1, 1), Vec3.Zero);
        var labels = Volume.Create(geometry, VoxelType.UInt8);
        var error = Assert.Throws<ImagingException>(() => LabelResampler.Resample(labels, geometry, outsideLabel: 256));
        Assert.Contains("outside label 256", error.Message);
        var badTarget = geometry with { Spacing = new Vec3(1, 0, 1) };
        Assert.Throws<InvalidGeometryException>(() => VolumeResampler.Resample(labels, badTarget, Interpolation.Linear));
        Assert.Throws<InvalidGeometryException>(() => VolumeResampler.ResampledGeometry(geometry, new Vec3(1, double.NaN, 1)));
    }
}
