using RenalGrpc.Engine.Registration;
using RenalGrpc.Imaging;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace RenalGrpc.Engine.Tests.Registration;

public sealed class MaskAffineRegistrationTests(ITestOutputHelper output)
{
    // 40 x 40 x 24 voxels of 2 x 2 x 3 mm: an 80 x 80 x 72 mm box, thicker slices like CT.
    private static readonly Geometry Grid = Geometry.Axial(new GridSize(40, 40, 24), new Vec3(2, 2, 3), new Vec3(0, 0, 0));
    private static readonly Vec3 KidneyCentre = new(40, 38, 36);
    private static readonly Vec3 KidneyRadii = new(15, 11, 22);
    private static readonly Vec3 TumorCentre = new(50, 40, 46);
    private const double TumorRadius = 10;

    /// <summary>Known motion between breath holds: 5 degrees about S, 3 about L, then a shift, about the kidney centre.</summary>
    private static Vec3 TrueMotion(Vec3 p)
    {
        double a = 5 * Math.PI / 180, b = 3 * Math.PI / 180;
        var d = p - KidneyCentre;
        var rz = new Vec3(Math.Cos(a) * d.X - Math.Sin(a) * d.Y, Math.Sin(a) * d.X + Math.Cos(a) * d.Y, d.Z);
        var rx = new Vec3(rz.X, Math.Cos(b) * rz.Y - Math.Sin(b) * rz.Z, Math.Sin(b) * rz.Y + Math.Cos(b) * rz.Z);
        return KidneyCentre + rx + new Vec3(4, -3, 5);
    }

    private static Vec3 InverseMotion(Vec3 q)
    {
        double a = 5 * Math.PI / 180, b = 3 * Math.PI / 180;
        var d = q - KidneyCentre - new Vec3(4, -3, 5);
        var rx = new Vec3(d.X, Math.Cos(b) * d.Y + Math.Sin(b) * d.Z, -Math.Sin(b) * d.Y + Math.Cos(b) * d.Z);
        var rz = new Vec3(Math.Cos(a) * rx.X + Math.Sin(a) * rx.Y, -Math.Sin(a) * rx.X + Math.Cos(a) * rx.Y, rx.Z);
        return KidneyCentre + rz;
    }

    /// <summary>Tumor and kidney+tumor channels with partial-volume values (2x2x2 supersampling), or thresholded at 0.5 like a network's labels.</summary>
    private static Tensor Masks(Func<Vec3, Vec3> toReferenceSpace, bool binary = false)
    {
        var size = Grid.Size;
        var tumor = new float[size.VoxelCount];
        var kidney = new float[size.VoxelCount];
        for (int k = 0; k < size.K; k++)
        for (int j = 0; j < size.J; j++)
        for (int i = 0; i < size.I; i++)
        {
            float t = 0, kt = 0;
            for (int s = 0; s < 8; s++)
            {
                var p = toReferenceSpace(Grid.IndexToPhysical(i + ((s & 1) - 0.5) / 2, j + ((s >> 1 & 1) - 0.5) / 2, k + ((s >> 2 & 1) - 0.5) / 2));
                var e = p - KidneyCentre;
                bool inTumor = (p - TumorCentre).Length <= TumorRadius;
                bool inKidney = Math.Pow(e.X / KidneyRadii.X, 2) + Math.Pow(e.Y / KidneyRadii.Y, 2) + Math.Pow(e.Z / KidneyRadii.Z, 2) <= 1;
                if (inTumor) t += 1f / 8;
                if (inTumor || inKidney) kt += 1f / 8;
            }
            tumor[size.Index(i, j, k)] = t;
            kidney[size.Index(i, j, k)] = kt;
        }
        if (binary)
        {
            for (int n = 0; n < tumor.Length; n++) { tumor[n] = tumor[n] >= 0.5f ? 1 : 0; kidney[n] = kidney[n] >= 0.5f ? 1 : 0; }
        }
        var shape = new long[] { 1, size.K, size.J, size.I };
        return cat(new[] { tensor(tumor, shape), tensor(kidney, shape) }, 0);
    }

    /// <summary>The true motion written as a normalised-coordinate affine (it is affine, so four points fix it).</summary>
    private static AffineTransform TrueTransform()
    {
        Vec3 F(Vec3 n) => NormalizedCoordinates.FromIndex(Grid.PhysicalToIndex(TrueMotion(Grid.IndexToPhysical(NormalizedCoordinates.ToIndex(n, Grid.Size)))), Grid.Size);
        var o = F(new Vec3(0, 0, 0));
        var ex = F(new Vec3(1, 0, 0)) - o;
        var ey = F(new Vec3(0, 1, 0)) - o;
        var ez = F(new Vec3(0, 0, 1)) - o;
        return new AffineTransform(new[] { ex.X, ey.X, ez.X, o.X, ex.Y, ey.Y, ez.Y, o.Y, ex.Z, ey.Z, ez.Z, o.Z });
    }

    private static Vec3 Recovered(AffineTransform transform, Vec3 referencePoint) =>
        Grid.IndexToPhysical(transform.ApplyToIndex(Grid.PhysicalToIndex(referencePoint), Grid.Size, Grid.Size));

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void RecoversAKnownRotationAndShiftToUnderOneMillimetreWithThePaperSettings(bool binary)
    {
        using var scope = NewDisposeScope();
        var reference = Masks(p => p, binary);
        var moving = Masks(InverseMotion, binary); // the moving phase sees the kidney where TrueMotion puts it
        // The paper's Adam lr 1e-3 and 200 steps (the defaults) suffice here: the centre-of-mass start is
        // already within about 1 mm and the steps only fix the rotation.
        var result = MaskAffineRegistration.Register(moving, reference);

        var pole = KidneyCentre + new Vec3(0, 0, 20);
        var centreError = (Recovered(result.Transform, KidneyCentre) - TrueMotion(KidneyCentre)).Length;
        var tumorError = (Recovered(result.Transform, TumorCentre) - TrueMotion(TumorCentre)).Length;
        var poleError = (Recovered(result.Transform, pole) - TrueMotion(pole)).Length;
        var startError = (Recovered(AffineTransform.Translation(0, 0, 0), pole) - TrueMotion(pole)).Length;
        var atTruth = MaskAffineRegistration.MeanSoftDice(MaskAffineRegistration.Warp(moving, TrueTransform()).unsqueeze(0), reference.unsqueeze(0)).item<float>();
        output.WriteLine($"{(binary ? "binary" : "partial-volume")} masks: Dice {result.InitialDice:F4} -> {result.FinalDice:F4} (true transform {atTruth:F4}); " +
            $"error at kidney centre {centreError:F2} mm, tumor centre {tumorError:F2} mm, upper pole {poleError:F2} mm (unregistered pole {startError:F2} mm)");

        Assert.True(result.FinalDice > result.InitialDice);
        Assert.True(result.FinalDice > atTruth - 0.005, $"final Dice {result.FinalDice} well below the true transform's {atTruth}");
        Assert.True(centreError < 1.0, $"kidney centre off by {centreError:F2} mm");
        Assert.True(tumorError < 1.0, $"tumor centre off by {tumorError:F2} mm");
        Assert.True(poleError < 1.0, $"upper pole off by {poleError:F2} mm");
    }

    [Fact]
    public void LinearDenominatorDiceIsPulledOffTheTruthByDilation()
    {
        // Why SquaredDenominator is the default: the |A| + |B| form rewards growing fractional masks.
        using var scope = NewDisposeScope();
        var reference = Masks(p => p);
        var moving = Masks(InverseMotion);
        var result = MaskAffineRegistration.Register(moving, reference, new MaskRegistrationOptions { SquaredDenominator = false, Steps = 100, LearningRate = 1e-2 });
        var t = result.Transform.Theta;
        double determinant = t[0] * (t[5] * t[10] - t[6] * t[9]) - t[1] * (t[4] * t[10] - t[6] * t[8]) + t[2] * (t[4] * t[9] - t[5] * t[8]);
        output.WriteLine($"linear-denominator Dice: determinant {determinant:F4}");
        Assert.True(Math.Abs(determinant - 1) > 0.005, $"determinant {determinant}: expected a visible scale bias");
    }

    [Fact]
    public void CentreOfMassInitialisationAloneRecoversAPureShift()
    {
        using var scope = NewDisposeScope();
        var reference = Masks(p => p);
        var moving = Masks(q => q - new Vec3(6, 4, 8));
        var result = MaskAffineRegistration.Register(moving, reference, new MaskRegistrationOptions { Steps = 0 });
        var error = (Recovered(result.Transform, KidneyCentre) - (KidneyCentre + new Vec3(6, 4, 8))).Length;
        output.WriteLine($"shift error {error:F3} mm, Dice {result.InitialDice:F4}, theta {string.Join(" ", result.Transform.Theta.Select(v => v.ToString("F4")))}");
        Assert.True(error < 0.5, $"centre-of-mass shift off by {error:F2} mm");
        Assert.True(result.InitialDice > 0.99, $"Dice {result.InitialDice} after a whole-voxel shift");
    }

    [Fact]
    public void WarpingWithTheIdentityLeavesTheMasksAlone()
    {
        using var scope = NewDisposeScope();
        var masks = Masks(p => p);
        Assert.True(MaskAffineRegistration.Warp(masks, AffineTransform.Identity).allclose(masks, atol: 1e-5));
    }

    [Fact]
    public void MaskChannelsSeparateTumorFromKidneyAndMasses()
    {
        using var scope = NewDisposeScope();
        var labels = tensor(new byte[] { 0, 1, 2, 3 }, new long[] { 1, 1, 4 });
        var channels = MaskAffineRegistration.MaskChannels(labels);
        Assert.Equal(new float[] { 0, 0, 1, 0 }, channels[0].flatten().data<float>().ToArray());
        Assert.Equal(new float[] { 0, 1, 1, 1 }, channels[1].flatten().data<float>().ToArray());
    }

    [Fact]
    public void EmptyMasksAreRefused()
    {
        using var scope = NewDisposeScope();
        var empty = zeros(new long[] { 2, 4, 4, 4 });
        Assert.Throws<ArgumentException>(() => MaskAffineRegistration.Register(empty, empty));
    }
}
