using RenalGrpc.Imaging.Components;

namespace RenalGrpc.Imaging.Tests.Components;

public sealed class LesionMeasurementsTests
{
    /// <summary>Mask of the voxels whose centres satisfy a predicate on their LPS position.</summary>
    internal static byte[] Voxelise(Geometry geometry, Func<Vec3, bool> inside)
    {
        var mask = new byte[geometry.VoxelCount];
        var size = geometry.Size;
        for (int k = 0; k < size.K; k++)
            for (int j = 0; j < size.J; j++)
                for (int i = 0; i < size.I; i++)
                    if (inside(geometry.IndexToPhysical(i, j, k))) mask[size.Index(i, j, k)] = 1;
        return mask;
    }

    private static ComponentMeasurement Single(Geometry geometry, byte[] mask, Volume? image = null, double? midlineX = null)
    {
        var labeling = ConnectedComponents.Label(mask, geometry.Size, Connectivity.Six);
        Assert.Equal(1, labeling.ComponentCount);
        return LesionMeasurements.Measure(labeling, geometry, image, midlineX)[0];
    }

    [Fact]
    public void SphereOnAnisotropicSpacingHasItsVolumeAndDiameter()
    {
        var geometry = Geometry.Axial(new GridSize(40, 36, 14), new Vec3(0.7, 0.8, 2.5), new Vec3(-10, -12, -15));
        var centre = new Vec3(3.3, 2.1, 1.7);
        var m = Single(geometry, Voxelise(geometry, p => (p - centre).Length <= 10));
        double expectedMl = 4.0 / 3 * Math.PI * 1000 / 1000;
        Assert.InRange(m.VolumeMl, expectedMl * 0.97, expectedMl * 1.03);
        Assert.InRange(m.LargestDiameterMm, 20 - 2.5, 20);
        Assert.True((m.Centroid - centre).Length < 0.5, $"centroid {m.Centroid}");
    }

    [Fact]
    public void BoxHasExactBoundsCentroidAndCount()
    {
        var spacing = new Vec3(0.5, 2, 3);
        var geometry = Geometry.Axial(new GridSize(20, 12, 8), spacing, new Vec3(10, 20, 30));
        var mask = new byte[geometry.VoxelCount];
        for (int k = 2; k <= 4; k++)
            for (int j = 5; j <= 8; j++)
                for (int i = 3; i <= 10; i++) mask[geometry.Size.Index(i, j, k)] = 1;
        var m = Single(geometry, mask);
        Assert.Equal(8 * 4 * 3, m.VoxelCount);
        Assert.Equal(96 * 0.5 * 2 * 3 / 1000, m.VolumeMl, 12);
        AssertNear(new Vec3(10 + 2.5 * 0.5, 20 + 4.5 * 2, 30 + 1.5 * 3), m.BoundsMin);
        AssertNear(new Vec3(10 + 10.5 * 0.5, 20 + 8.5 * 2, 30 + 4.5 * 3), m.BoundsMax);
        AssertNear(new Vec3(10 + 6.5 * 0.5, 20 + 6.5 * 2, 30 + 3 * 3), m.Centroid);
        // Diagonal between opposite corner voxel centres: 7 x 0.5, 3 x 2, 2 x 3 mm.
        Assert.Equal(Math.Sqrt(3.5 * 3.5 + 36 + 36), m.LargestDiameterMm, 9);
    }

    [Fact]
    public void ObliqueBoundsAreTheExtremesOfEveryVoxelCorner()
    {
        var geometry = new Geometry(new GridSize(16, 14, 10), new Vec3(0.9, 1.1, 2.2), new Vec3(4, -6, 8),
            Resampling.RandomGrids.Rotation(new Random(3)));
        var centre = geometry.IndexToPhysical(7.3, 6.6, 4.2);
        var mask = Voxelise(geometry, p => (p - centre).Length <= 6 && p.X < centre.X + 3);
        var m = Single(geometry, mask);
        var min = new Vec3(double.MaxValue, double.MaxValue, double.MaxValue);
        var max = new Vec3(double.MinValue, double.MinValue, double.MinValue);
        var size = geometry.Size;
        for (int k = 0; k < size.K; k++)
            for (int j = 0; j < size.J; j++)
                for (int i = 0; i < size.I; i++)
                {
                    if (mask[size.Index(i, j, k)] == 0) continue;
                    for (int c = 0; c < 8; c++)
                    {
                        var p = geometry.IndexToPhysical(i + ((c & 1) - 0.5), j + ((c >> 1 & 1) - 0.5), k + ((c >> 2 & 1) - 0.5));
                        min = Vec3.Min(min, p);
                        max = Vec3.Max(max, p);
                    }
                }
        AssertNear(min, m.BoundsMin);
        AssertNear(max, m.BoundsMax);
    }

    [Fact]
    public void SideFollowsTheCentroidRelativeToTheMidline()
    {
        // Field of view centred on x = 0; LPS +x is the patient's left.
        var geometry = Geometry.Axial(new GridSize(101, 20, 10), new Vec3(1, 1, 1), new Vec3(-50, 0, 0));
        var mask = Voxelise(geometry, p =>
            (p - new Vec3(30, 10, 5)).Length <= 4 || (p - new Vec3(-30, 10, 5)).Length <= 4 || (p - new Vec3(1, 10, 5)).Length <= 4);
        var labeling = ConnectedComponents.Label(mask, geometry.Size, Connectivity.TwentySix);
        var sides = LesionMeasurements.Measure(labeling, geometry)
            .OrderBy(m => m.Centroid.X).Select(m => m.SideName).ToArray();
        Assert.Equal(new[] { "right", "midline", "left" }, sides);
        // An explicit midline at x = 20 puts the centre lesion on the right too.
        var shifted = LesionMeasurements.Measure(labeling, geometry, midlineX: 20).OrderBy(m => m.Centroid.X).Select(m => m.Side).ToArray();
        Assert.Equal(new[] { PatientSide.Right, PatientSide.Right, PatientSide.Left }, shifted);
    }

    [Fact]
    public void SingleVoxelHasZeroDiameterAndOneVoxelBounds()
    {
        var geometry = Geometry.Axial(new GridSize(3, 3, 3), new Vec3(1, 2, 3), Vec3.Zero);
        var mask = new byte[27];
        mask[geometry.Size.Index(1, 1, 1)] = 1;
        var m = Single(geometry, mask);
        Assert.Equal(0, m.LargestDiameterMm);
        AssertNear(new Vec3(0.5, 1, 1.5), m.BoundsMin);
        AssertNear(new Vec3(1.5, 3, 4.5), m.BoundsMax);
        Assert.Null(m.IntensityMean);
    }

    [Fact]
    public void MismatchedIntensityGridIsAClearError()
    {
        var geometry = Geometry.Axial(new GridSize(3, 3, 3), new Vec3(1, 1, 1), Vec3.Zero);
        var labeling = ConnectedComponents.Label(new byte[27], geometry.Size, Connectivity.Six);
        var other = Volume.Create(Geometry.Axial(new GridSize(3, 3, 3), new Vec3(1, 1, 2), Vec3.Zero), VoxelType.Int16);
        var error = Assert.Throws<ImagingException>(() => LesionMeasurements.Measure(labeling, geometry, other));
        Assert.Contains("not on the labelling's grid", error.Message);
    }

    internal static void AssertNear(Vec3 expected, Vec3 actual, double tolerance = 1e-9) =>
        Assert.True((expected - actual).Length <= tolerance, $"expected {expected}, got {actual}");
}
