using RenalGrpc.Imaging;

namespace RenalGrpc.Imaging.Tests;

public sealed class GeometryTests
{
    private static Geometry Oblique()
    {
        // 30 degrees about S, then 10 degrees about L: a proper rotation.
        double a = Math.PI / 6, b = Math.PI / 18;
        var rz = new Matrix3(Math.Cos(a), -Math.Sin(a), 0, Math.Sin(a), Math.Cos(a), 0, 0, 0, 1);
        var rx = new Matrix3(1, 0, 0, 0, Math.Cos(b), -Math.Sin(b), 0, Math.Sin(b), Math.Cos(b));
        return new Geometry(new GridSize(20, 30, 40), new Vec3(0.7, 0.8, 2.5), new Vec3(-100, 50, 20), rz * rx);
    }

    [Fact]
    public void IndexToPhysicalAndBackIsIdentity()
    {
        var g = Oblique();
        var p = g.IndexToPhysical(3.25, 7.5, 11);
        var idx = g.PhysicalToIndex(p);
        Assert.Equal(3.25, idx.X, 9);
        Assert.Equal(7.5, idx.Y, 9);
        Assert.Equal(11, idx.Z, 9);
    }

    [Fact]
    public void IndexStepsMoveBySpacingAlongDirectionColumns()
    {
        var g = Oblique();
        var step = g.IndexToPhysical(0, 0, 1) - g.IndexToPhysical(0, 0, 0);
        Assert.Equal(2.5, step.Length, 9);
        Assert.Equal(g.Direction.Column(2).X * 2.5, step.X, 9);
    }

    [Theory]
    [InlineData(1, 1, 1, "LPS")]
    [InlineData(-1, -1, 1, "RAS")]
    [InlineData(-1, 1, -1, "RPI")]
    public void OrientationCodeNamesTheDirectionEachAxisPointsTo(double x, double y, double z, string expected)
    {
        var g = new Geometry(new GridSize(2, 2, 2), new Vec3(1, 1, 1), Vec3.Zero, new Matrix3(x, 0, 0, 0, y, 0, 0, 0, z));
        Assert.Equal(expected, g.OrientationCode());
    }

    [Fact]
    public void ObliqueGridIsReportedAsOblique() => Assert.Equal("oblique", Oblique().OrientationCode());

    [Fact]
    public void PhysicalBoundsCoverVoxelFaces()
    {
        var g = Geometry.Axial(new GridSize(10, 20, 5), new Vec3(1, 2, 3), new Vec3(0, 0, 0));
        var (min, max) = g.PhysicalBounds();
        Assert.Equal(new Vec3(-0.5, -1, -1.5), min);
        Assert.Equal(new Vec3(9.5, 39, 13.5), max);
    }

    [Fact]
    public void SameGridRespectsTolerance()
    {
        var g = Oblique();
        Assert.True(g.IsSameGrid(g with { Origin = g.Origin + new Vec3(1e-4, 0, 0) }));
        Assert.False(g.IsSameGrid(g with { Origin = g.Origin + new Vec3(0.1, 0, 0) }));
        Assert.False(g.IsSameGrid(g with { Size = new GridSize(20, 30, 41) }));
    }

    [Theory]
    [InlineData(0, 1, 1, 1.0, "zero")]
    [InlineData(1, 1, 1, double.NaN, "spacing")]
    [InlineData(1, 1, 1, 0.0, "spacing")]
    public void InvalidGeometriesAreRejected(int i, int j, int k, double spacing, string words)
    {
        var g = Geometry.Axial(new GridSize(i, j, k), new Vec3(spacing, 1, 1), Vec3.Zero);
        var ex = Assert.Throws<InvalidGeometryException>(g.Validate);
        Assert.Contains(words, ex.Message);
    }

    [Fact]
    public void SkewedDirectionsAreRejected()
    {
        var g = new Geometry(new GridSize(2, 2, 2), new Vec3(1, 1, 1), Vec3.Zero, new Matrix3(1, 0.3, 0, 0, 1, 0, 0, 0, 1));
        Assert.Throws<InvalidGeometryException>(g.Validate);
    }

    [Fact]
    public void VolumeRejectsBufferOfWrongLength()
    {
        var g = Geometry.Axial(new GridSize(2, 2, 2), new Vec3(1, 1, 1), Vec3.Zero);
        Assert.Throws<ImagingException>(() => new Volume(g, VoxelType.Int16, new byte[15]));
        var v = Volume.FromVoxels<short>(g, new short[] { 1, -2, 3, 4, 5, 6, 7, -800 });
        Assert.Equal(-800, v.Voxels<short>()[7]);
        Assert.Equal((-800.0, 7.0), v.ValueRange());
    }
}
