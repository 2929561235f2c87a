using RenalGrpc.Engine.Analysis;
using RenalGrpc.Engine.Registration;
using RenalGrpc.Imaging;

namespace RenalGrpc.Engine.Tests.Analysis;

public sealed class PhaseWarpTests
{
    private static readonly Geometry Grid = Geometry.Axial(new GridSize(20, 16, 10), new Vec3(1.5, 1.5, 3), new Vec3(-10, 5, 40));

    private static Volume Ramp() =>
        Volume.FromVoxels<float>(Grid, Enumerable.Range(0, (int)Grid.VoxelCount).Select(n => (float)(n % 20 + 3 * (n / 320))).ToArray());

    [Fact]
    public void IdentityOnTheSameGridReproducesTheImage()
    {
        var image = Ramp();
        var warped = PhaseWarp.Image(image, Grid, LpsAffine.Identity);
        Assert.Equal(image.Voxels<float>().ToArray(), warped.Voxels<float>().ToArray());
    }

    [Fact]
    public void SampleIntoABoxGivesWhatImageGives_ForFloatAndIntegerSources()
    {
        // An oblique, finer box reaching past the field of view, and a small rotation and shift.
        double c = Math.Cos(0.05), s = Math.Sin(0.05);
        var box = new Geometry(new GridSize(9, 7, 5), new Vec3(1.1, 0.9, 2.2), new Vec3(-8, 6, 30), new Matrix3(c, -s, 0, s, c, 0, 0, 0, 1));
        var motion = new LpsAffine(new Matrix3(0.999, -0.03, 0, 0.03, 0.999, 0, 0, 0, 1), new Vec3(0.7, -1.2, 2));
        var ramp = Ramp();
        var integer = Volume.FromVoxels<short>(Grid, ramp.Voxels<float>().ToArray().Select(v => (short)(v * 7)).ToArray());
        foreach (var image in new[] { ramp, integer })
        {
            var sampled = new float[box.VoxelCount];
            PhaseWarp.SampleInto(image, box, motion, sampled);
            Assert.Equal(PhaseWarp.Image(image, box, motion).Voxels<float>().ToArray(), sampled);
            Assert.Contains(PhaseWarp.OutsideHu, sampled);
        }
    }

    [Fact]
    public void AShiftOfOneVoxelMovesTheImageAndFillsAirBeyondTheFieldOfView()
    {
        var image = Ramp();
        // The phase sees the reference point p at p + 1.5 mm along i: one voxel further.
        var warped = PhaseWarp.Image(image, Grid, new LpsAffine(Matrix3.Identity, new Vec3(1.5, 0, 0))).Voxels<float>();
        var source = image.Voxels<float>();
        Assert.Equal(source[(int)Grid.Size.Index(6, 3, 4)], warped[(int)Grid.Size.Index(5, 3, 4)]);
        Assert.Equal(PhaseWarp.OutsideHu, warped[(int)Grid.Size.Index(19, 3, 4)]);
        // Half a voxel: the mean of the two neighbours.
        var half = PhaseWarp.Image(image, Grid, new LpsAffine(Matrix3.Identity, new Vec3(0.75, 0, 0))).Voxels<float>();
        Assert.Equal((source[(int)Grid.Size.Index(6, 3, 4)] + source[(int)Grid.Size.Index(7, 3, 4)]) / 2, half[(int)Grid.Size.Index(6, 3, 4)], 4);
    }

    [Fact]
    public void RegistrationTransformsBecomeTheSameMapInMillimetres()
    {
        var common = Geometry.Axial(new GridSize(40, 20, 10), new Vec3(2.5, 2.5, 5), new Vec3(7, -3, 11));
        // A normalised shift of 0.1 along x on a 100 mm wide grid is 5 mm.
        var map = PhaseAligner.ToLps(AffineTransform.Translation(0.1, 0, -0.2), common);
        var p = new Vec3(20, 4, 30);
        var moved = map.Apply(p) - p;
        Assert.Equal(5, moved.X, 9);
        Assert.Equal(0, moved.Y, 9);
        Assert.Equal(-5, moved.Z, 9);
        // A general transform agrees with AffineTransform.ApplyToIndex on that grid.
        var transform = new AffineTransform([1.02, 0.03, 0, 0.05, -0.02, 0.98, 0.01, -0.03, 0, 0.02, 1.01, 0.1]);
        var index = new Vec3(12.5, 7, 3);
        var expected = common.IndexToPhysical(transform.ApplyToIndex(index, common.Size, common.Size));
        var actual = PhaseAligner.ToLps(transform, common).Apply(common.IndexToPhysical(index));
        Assert.True((expected - actual).Length < 1e-9, $"{expected} vs {actual}");
        var back = map.Inverse().After(map).Apply(p);
        Assert.True((back - p).Length < 1e-9);
    }
}
