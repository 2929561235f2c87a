using RenalGrpc.Engine.Analysis;
using RenalGrpc.Imaging;

namespace RenalGrpc.Engine.Tests.Analysis;

/// <summary>Whether the reference scan shows the kidneys whole: none found, cut at an end or a side.</summary>
public sealed class KidneyCoverageTests
{
    // 2 x 2 x 5 mm voxels: 0.02 ml each, so 0.5 ml on a slice is 25 voxels.
    private static Volume Labels(int slices, Action<byte[], GridSize> paint, bool headFirst = true)
    {
        var direction = headFirst ? Matrix3.Identity : new Matrix3(1, 0, 0, 0, 1, 0, 0, 0, -1);
        var geometry = new Geometry(new GridSize(20, 20, slices), new Vec3(2, 2, 5), Vec3.Zero, direction);
        var voxels = new byte[geometry.VoxelCount];
        paint(voxels, geometry.Size);
        return Volume.FromVoxels<byte>(geometry, voxels);
    }

    private static void Box(byte[] voxels, GridSize size, int k0, int k1, int i0 = 5, int i1 = 14, byte label = KidneyLabels.Kidney)
    {
        for (int k = k0; k <= k1; k++)
            for (int j = 5; j <= 14; j++)
                for (int i = i0; i <= i1; i++) voxels[size.Index(i, j, k)] = label;
    }

    [Fact]
    public void KidneysInsideTheFieldOfViewGiveNoWarning()
    {
        Assert.Empty(KidneyCoverage.Warnings(Labels(10, (v, s) => Box(v, s, 2, 7)), "P"));
        // A few stray voxels on the last slice are not a kidney cut by the scan's end.
        Assert.Empty(KidneyCoverage.Warnings(Labels(10, (v, s) => { Box(v, s, 2, 7); v[s.Index(3, 3, 9)] = KidneyLabels.Kidney; }), "P"));
    }

    [Fact]
    public void NoKidneyAtAllSaysSoAndThatNoMassFoundMeansNothing()
    {
        var warning = Assert.Single(KidneyCoverage.Warnings(Labels(10, (_, _) => { }), "A"));
        Assert.Contains("no kidney found in the scan given as A", warning);
        Assert.Contains("does not rule a mass out", warning);
    }

    [Fact]
    public void AKidneyOnTheEndSliceIsNamedByWhichEndOfThePatient()
    {
        // k grows towards the head (LPS +z): the last slice is the upper end; a tumor counts like kidney.
        var upper = Assert.Single(KidneyCoverage.Warnings(Labels(10, (v, s) => Box(v, s, 5, 9, label: KidneyLabels.Tumor)), "P"));
        Assert.StartsWith("the kidneys reach the upper end of the scan given as P (2.0 ml on its last slice)", upper);
        // Stored feet first (k towards the feet), the same voxels are the lower end.
        var lower = Assert.Single(KidneyCoverage.Warnings(Labels(10, (v, s) => Box(v, s, 5, 9), headFirst: false), "P"));
        Assert.StartsWith("the kidneys reach the lower end", lower);
        var both = KidneyCoverage.Warnings(Labels(4, (v, s) => Box(v, s, 0, 3)), "D");
        Assert.Equal(2, both.Count);
    }

    [Fact]
    public void AKidneyOnTheSideOfTheFieldOfViewIsWarnedAbout()
    {
        var warning = Assert.Single(KidneyCoverage.Warnings(Labels(10, (v, s) => Box(v, s, 2, 7, i0: 0, i1: 8)), "P"));
        Assert.Contains("side of the field of view", warning);
        Assert.Throws<ArgumentException>(() => KidneyCoverage.Warnings(Volume.FromVoxels<short>(
            new Geometry(new GridSize(2, 2, 2), new Vec3(1, 1, 1), Vec3.Zero, Matrix3.Identity), new short[8]), "P"));
    }
}
