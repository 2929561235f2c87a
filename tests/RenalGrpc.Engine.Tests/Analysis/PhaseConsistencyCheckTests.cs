using RenalGrpc.Engine.Analysis;
using RenalGrpc.Engine.Registration;
using RenalGrpc.Imaging;

namespace RenalGrpc.Engine.Tests.Analysis;

public sealed class PhaseConsistencyCheckTests
{
    [Fact]
    public void A_phase_left_unaligned_is_named_and_a_low_kidney_overlap_is_only_reported()
    {
        var unaligned = new PhaseAlignment("N", AffineTransform.Identity, double.NaN, double.NaN,
            Note: "phase N has no kidney near the reference kidneys: resampled without motion correction");
        var poor = new PhaseAlignment("D", AffineTransform.Identity, 0.4, 0.45) { KidneyDice = 0.31 };
        var good = new PhaseAlignment("A", AffineTransform.Identity, 0.8, 0.93) { KidneyDice = 0.94 };
        // The study-level note (the reference has no kidney) is no phase's fault: nothing to name.
        var noReference = new PhaseAlignment("P", AffineTransform.Identity, double.NaN, double.NaN,
            Note: "the reference phase has no kidney: phases are resampled without motion correction");

        var warnings = PhaseConsistencyCheck.AlignmentWarnings([poor, good, unaligned, noReference]);

        // A low overlap (D) also comes from stage 1 drawing a phase's kidneys differently: reported, not warned.
        Assert.Equal(["phase N has no kidney near the reference kidneys: resampled without motion correction; its lesion HU and subtype input may be off"], warnings);
    }

    /// <summary>
    /// A 12 x 12 x 6 grid: 200 kidney voxels, a quarter renal sinus fat (-100 HU) and three quarters
    /// parenchyma at <paramref name="parenchyma"/>; a tumor block that must be left out; the rest air.
    /// All of it off the grid's faces, so the scan shows the kidney whole (<see cref="KidneyCoverage"/>).
    /// </summary>
    private static (Volume Image, Volume Labels) Kidney(float parenchyma, Geometry grid)
    {
        var labels = new byte[grid.VoxelCount];
        var image = new float[grid.VoxelCount];
        Array.Fill(image, -1000 + 1); // air, not exactly the outside value
        for (int m = 0; m < 260; m++)
        {
            int n = Inner(grid, m);
            if (m < 200) { labels[n] = KidneyLabels.Kidney; image[n] = m % 4 == 0 ? -100 : parenchyma; }
            else { labels[n] = KidneyLabels.Tumor; image[n] = 400; }
        }
        return (Volume.FromVoxels<float>(grid, image), Volume.FromVoxels<byte>(grid, labels));
    }

    /// <summary>The index of the <paramref name="m"/>-th voxel, in raster order, of those off the grid's faces.</summary>
    private static int Inner(Geometry grid, int m)
    {
        var size = grid.Size;
        int row = size.I - 2, plane = row * (size.J - 2);
        return (int)size.Index(1 + m % row, 1 + m % plane / row, 1 + m / plane);
    }

    private static AlignedStudy Study(Geometry grid, params (string Phase, Volume Image)[] phases) =>
        new("P", grid, phases.ToDictionary(p => p.Phase, p => p.Image), [.. phases.Select(p => new PhaseAlignment(p.Phase, AffineTransform.Identity, double.NaN, double.NaN))]);

    [Fact]
    public void The_upper_quartile_is_the_parenchyma_not_the_sinus_fat_nor_the_tumor()
    {
        var grid = Geometry.Axial(new GridSize(12, 12, 6), new Vec3(2.5, 2.5, 5), Vec3.Zero);
        var (n, labels) = Kidney(35, grid);
        var (p, _) = Kidney(165, grid);

        var check = PhaseConsistencyCheck.Check(Study(grid, ("N", n), ("P", p)), labels);

        Assert.Equal(35, check.KidneyUpperQuartileHu["N"], 3);
        Assert.Equal(165, check.KidneyUpperQuartileHu["P"], 3);
        Assert.Equal(35, check.KidneyMedianHu["N"], 3);
        Assert.Equal(0, check.KidneyDenseContrastPercent["P"]); // the 400 HU tumor is not kidney
        Assert.Empty(check.Warnings);
        Assert.Empty(check.LooksLike);
        // Swapped: both named.
        var swapped = PhaseConsistencyCheck.Check(Study(grid, ("N", p), ("P", n)), labels);
        Assert.Equal(3, swapped.Warnings.Count);
        Assert.Equal("the phases read consistently if renamed: the scan given as N looks like P, the one given as P like N", swapped.Warnings[2]);
        Assert.Equal(new Dictionary<string, string> { ["N"] = "P", ["P"] = "N" }, swapped.LooksLike);
    }

    [Fact]
    public void Kidney_outside_a_phases_scan_is_left_out_and_too_little_kidney_says_nothing()
    {
        var grid = Geometry.Axial(new GridSize(12, 12, 6), new Vec3(2.5, 2.5, 5), Vec3.Zero);
        var (a, labels) = Kidney(140, grid);
        var cut = a.Voxels<float>();
        for (int m = 0; m < 150; m++) cut[Inner(grid, m)] = PhaseWarp.OutsideHu; // the A scan stops short: 50 kidney voxels left in view
        var check = PhaseConsistencyCheck.Check(Study(grid, ("A", a)), labels);
        Assert.False(check.KidneyUpperQuartileHu.ContainsKey("A"));
        Assert.Empty(check.Warnings);
    }

    [Fact]
    public void Excreted_contrast_is_measured_as_the_share_of_kidney_voxels_at_300_hu_or_more()
    {
        var grid = Geometry.Axial(new GridSize(12, 12, 6), new Vec3(2.5, 2.5, 5), Vec3.Zero);
        var (d, labels) = Kidney(110, grid);
        var (a, _) = Kidney(140, grid);
        var voxels = d.Voxels<float>();
        for (int m = 1; m < 200; m += 20) voxels[Inner(grid, m)] = 600; // 10 of 200 kidney voxels: contrast in the collecting system
        voxels[Inner(grid, 2)] = (float)PhaseEnhancementRules.DenseContrastHu; // the bound counts

        var check = PhaseConsistencyCheck.Check(Study(grid, ("A", a), ("D", d)), labels);

        Assert.Equal(5.5, check.KidneyDenseContrastPercent["D"], 6);
        Assert.Equal(0, check.KidneyDenseContrastPercent["A"]);
        Assert.Empty(check.Warnings);
        // Given the other way round: the "A" holds the excreted contrast and the "D" is the brighter parenchyma.
        var swapped = PhaseConsistencyCheck.Check(Study(grid, ("A", d), ("D", a)), labels);
        Assert.Equal(new Dictionary<string, string> { ["A"] = "D", ["D"] = "A" }, swapped.LooksLike);
        Assert.Equal(3, swapped.Warnings.Count);
        Assert.StartsWith("phase A: 5.5% of the kidney voxels read 300 HU or more, excreted contrast, against 0.0% in D", swapped.Warnings[0]);
    }
}
