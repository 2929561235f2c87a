using RenalGrpc.Imaging;
using RenalGrpc.Training.Evaluation;

namespace RenalGrpc.Training.Tests;

public sealed class TumorSizeStratumTests
{
    private static readonly Geometry Grid = new(new GridSize(20, 20, 10), new Vec3(2, 2, 4), new Vec3(0, 0, 0), Matrix3.Identity);

    private static Volume Labels(Action<byte[], GridSize> draw)
    {
        var voxels = new byte[Grid.VoxelCount];
        draw(voxels, Grid.Size);
        return new Volume(Grid, VoxelType.UInt8, voxels);
    }

    private static void Box(byte[] voxels, GridSize size, byte label, int i0, int j0, int k0, int i1, int j1, int k1)
    {
        for (int k = k0; k < k1; k++)
            for (int j = j0; j < j1; j++)
                for (int i = i0; i < i1; i++) voxels[size.Index(i, j, k)] = label;
    }

    [Fact]
    public void The_radius_is_the_equivalent_sphere_of_the_largest_true_tumor_component()
    {
        var truth = Labels((v, s) =>
        {
            Box(v, s, 1, 2, 2, 1, 18, 18, 9);
            Box(v, s, 2, 4, 4, 2, 7, 7, 4);    // 18 voxels of 2 x 2 x 4 mm = 288 mm3: the largest tumor
            Box(v, s, 2, 12, 12, 6, 13, 14, 7); // 2 voxels, a second tumor, not diagonal to the first
            Box(v, s, 3, 14, 4, 2, 16, 6, 3);  // a cyst is not a tumor, however large
        });
        var scored = CaseEvaluation.Score("c", "ccRCC", truth, new CaseOutcome("P", truth, null, 0));
        Assert.Equal(Math.Cbrt(3 * 288 / (4 * Math.PI)), scored.LargestTumorRadiusMm, 9);
        Assert.Equal(3, scored.TrueLesions);

        var noTumor = Labels((v, s) => Box(v, s, 1, 2, 2, 1, 18, 18, 9));
        Assert.True(double.IsNaN(CaseEvaluation.Score("n", null, noTumor, new CaseOutcome("P", noTumor, null, 0)).LargestTumorRadiusMm));
    }

    private static CaseEvaluation Case(double radius, double dice, int trueLesions, int found, int predicted, int correct, bool verdict) =>
        new("c", "ccRCC", "P", 0.95, dice, trueLesions, found, predicted, correct,
            verdict ? new[] { 0.6, 0.1, 0.1, 0.1, 0.1 } : null, verdict ? "ccRCC" : "", 1, radius);

    [Fact]
    public void Studies_fall_in_the_band_of_their_largest_tumor_and_the_bands_add_up()
    {
        var cases = new[]
        {
            Case(5.0, 0.0, 1, 0, 0, 0, verdict: false),
            Case(9.99, 0.5, 2, 1, 2, 1, verdict: true),
            Case(10.0, 0.7, 1, 1, 1, 1, verdict: true),
            Case(40.0, 0.9, 1, 1, 3, 1, verdict: true),
            Case(double.NaN, double.NaN, 0, 0, 1, 0, verdict: false),  // a normal study: in no band
        };
        var bands = TumorSizeStratum.From(cases, TumorSizeStratum.DefaultEdgesMm);
        Assert.Equal(new[] { "under 10 mm", "10-15 mm", "15 mm and more" }, bands.Select(b => b.Name));
        Assert.Equal(new[] { 2, 1, 1 }, bands.Select(b => b.Studies));
        Assert.Equal(0.25, bands[0].MeanDiceTumor, 12);
        Assert.Equal((3, 1, 1, 1), (bands[0].TrueLesions, bands[0].DetectedTrueLesions, bands[0].FalseLesions, bands[0].StudiesWithVerdict));
        Assert.Equal(2, bands[2].FalseLesions);

        var empty = TumorSizeStratum.From(cases, new[] { 1.0, 2.0 })[1];
        Assert.Equal(0, empty.Studies);
        Assert.True(double.IsNaN(empty.MeanDiceTumor));
        Assert.Throws<ArgumentException>(() => TumorSizeStratum.From(cases, new[] { 15.0, 10.0 }));
        Assert.Throws<ArgumentException>(() => TumorSizeStratum.From(cases, new[] { 0.0 }));

        var table = EvaluationSummary.From(cases).ToTable();
        Assert.Contains("by largest true tumor radius", table);
        Assert.Matches(@"under 10 mm\s+2\s+0\.250\s+1/3\s+1\s+1", table);
    }
}
