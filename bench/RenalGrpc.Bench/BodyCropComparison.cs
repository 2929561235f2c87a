using System.Diagnostics;
using RenalGrpc.Engine.Analysis;
using RenalGrpc.Engine.Checkpoints;
using RenalGrpc.Engine.Inference;
using RenalGrpc.Engine.Preprocessing;
using RenalGrpc.Imaging;

namespace RenalGrpc.Bench;

/// <summary>
/// Stage 1 on one phase of the realistic study with the whole field of view and with the input
/// cropped to the body (<see cref="BodyCrop"/>, the analyzer's default): time, model grid, tiles,
/// and how far the labels on the phase's own grid move.
/// </summary>
internal static class BodyCropComparison
{
    private sealed record Run(string Label, double Seconds, GridSize Grid, int Tiles, Volume Labels);

    public static void Measure(LoadedModel model, Volume phase, double step, CancellationToken cancellationToken)
    {
        var runs = new List<Run>();
        foreach (var (label, crop) in new[] { ("whole field of view", (BodyCrop?)null), ("cropped to the body (default)", new BodyCrop()) })
        {
            using var segmenter = new NetworkPhaseSegmenter(model, InferencePrecision.Auto, step, crop);
            var clock = Stopwatch.StartNew();
            var result = segmenter.Segment("P", phase, mirrorTta: false, progress: null, cancellationToken);
            double seconds = clock.Elapsed.TotalSeconds;
            var grid = result.Preprocessing!.ModelGrid.Size;
            int tiles = TilePlanner.Plan(new[] { grid.K, grid.J, grid.I }, model.Metadata.TileShape.ToArray(), step).TileCount;
            runs.Add(new Run(label, seconds, grid, tiles, result.Labels));
        }
        Console.WriteLine();
        Console.WriteLine(FormattableString.Invariant($"## Stage 1 on the realistic study's P phase: whole field of view vs body crop ({PrecisionProbe.Resolve(InferencePrecision.Auto)}, step {step}, preprocessing + window + labels on the phase grid)"));
        Console.WriteLine("| input | model grid (x y z) | tiles | seconds | speed-up |");
        Console.WriteLine("|---|---|---:|---:|---:|");
        foreach (var r in runs)
        {
            Console.WriteLine(FormattableString.Invariant(
                $"| {r.Label} | {r.Grid.I}x{r.Grid.J}x{r.Grid.K} | {r.Tiles} | {r.Seconds:F2} | {runs[0].Seconds / r.Seconds:F2}x |"));
        }
        var a = runs[0].Labels.Voxels<byte>();
        var b = runs[1].Labels.Voxels<byte>();
        long equal = 0, masses = 0, massesBoth = 0, massesA = 0, tumorBoth = 0, tumorA = 0, tumorB = 0;
        for (int n = 0; n < a.Length; n++)
        {
            if (a[n] == b[n]) equal++;
            if (a[n] > 0) massesA++;
            if (b[n] > 0) masses++;
            if (a[n] > 0 && b[n] > 0) massesBoth++;
            if (a[n] == 2) tumorA++;
            if (b[n] == 2) tumorB++;
            if (a[n] == 2 && b[n] == 2) tumorBoth++;
        }
        static double Dice(long both, long x, long y) => x + y == 0 ? 1 : 2.0 * both / (x + y);
        Console.WriteLine(FormattableString.Invariant(
            $"labels, body crop vs whole field, on the {runs[0].Labels.Geometry.Size.I}x{runs[0].Labels.Geometry.Size.J}x{runs[0].Labels.Geometry.Size.K} phase grid: {equal * 100.0 / a.Length:F4}% of voxels equal; Dice kidney+masses {Dice(massesBoth, massesA, masses):F4}, tumor {Dice(tumorBoth, tumorA, tumorB):F4} ({tumorB} vs {tumorA} tumor voxels)"));
    }
}
