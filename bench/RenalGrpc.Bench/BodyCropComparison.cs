using System.Diagnostics;
using RenalGrpc.Engine.Analysis;
using RenalGrpc.Engine.Checkpoints;
using RenalGrpc.Engine.Inference;
using RenalGrpc.Engine.Preprocessing;
using RenalGrpc.Imaging;

namespace RenalGrpc.Bench;

/// <summary>
/// Stage 1 on the P phase of the realistic study three ways: the whole field of view, cropped to
/// the body (<see cref="BodyCrop"/>), and cropped to the body within the kidney search region the
/// N phase gives (the analyzer's defaults for a phase after the first): time, model grid, tiles,
/// and how far the labels on the phase's own grid move from the whole-field run.
/// </summary>
internal static class BodyCropComparison
{
    private sealed record Run(string Label, double Seconds, GridSize Grid, int Tiles, Volume Labels);

    public static void Measure(LoadedModel model, IReadOnlyDictionary<string, Volume> phases, double step, double searchMarginMm, CancellationToken cancellationToken)
    {
        var precision = PrecisionProbe.Resolve(InferencePrecision.Auto, model.Segmentation, model.Metadata.TileShape);
        using var cropping = new NetworkPhaseSegmenter(model, precision, step, new BodyCrop());
        var n = cropping.Segment("N", phases["N"], mirrorTta: false, progress: null, cancellationToken);
        var (cleanedN, recordN) = SegmentationPostprocessing.Apply(n.Labels);
        var region = recordN.KeptKidneyMl.Count >= 2 ? PhysicalBox.AroundForeground(cleanedN)?.Grown(searchMarginMm) : null;

        var runs = new List<Run>();
        foreach (var (label, crop, searchRegion) in new[]
        {
            ("whole field of view", (BodyCrop?)null, (PhysicalBox?)null),
            ("cropped to the body", new BodyCrop(), null),
            (FormattableString.Invariant($"body and N's kidney region + {searchMarginMm:F0} mm (default)"), new BodyCrop(), region),
        })
        {
            using var segmenter = new NetworkPhaseSegmenter(model, precision, step, crop);
            var clock = Stopwatch.StartNew();
            var result = segmenter.Segment("P", phases["P"], mirrorTta: false, progress: null, cancellationToken, searchRegion);
            double seconds = clock.Elapsed.TotalSeconds;
            var grid = result.Preprocessing!.ModelGrid.Size;
            int tiles = TilePlanner.Plan(new[] { grid.K, grid.J, grid.I }, model.Metadata.TileShape.ToArray(), step).TileCount;
            runs.Add(new Run(label, seconds, grid, tiles, result.Labels));
        }
        Console.WriteLine();
        Console.WriteLine(FormattableString.Invariant($"## Stage 1 on the realistic study's P phase: whole field of view, body crop, kidney search region ({precision}, step {step}, preprocessing + window + labels on the phase grid)"));
        Console.WriteLine(region is null ? "N showed fewer than two kidneys: no search region." : $"search region from N (LPS mm): {region.Min} .. {region.Max}");
        Console.WriteLine("| input | model grid (x y z) | tiles | seconds | speed-up | voxels equal to whole field | Dice kidney+masses vs whole | Dice tumor vs whole |");
        Console.WriteLine("|---|---|---:|---:|---:|---:|---:|---:|");
        var a = runs[0].Labels.Voxels<byte>();
        foreach (var r in runs)
        {
            var (equal, masses, tumor) = Agreement(a, r.Labels.Voxels<byte>());
            Console.WriteLine(FormattableString.Invariant(
                $"| {r.Label} | {r.Grid.I}x{r.Grid.J}x{r.Grid.K} | {r.Tiles} | {r.Seconds:F2} | {runs[0].Seconds / r.Seconds:F2}x | {equal * 100:F4}% | {masses:F4} | {tumor:F4} |"));
        }
    }

    private static (double Equal, double DiceMasses, double DiceTumor) Agreement(ReadOnlySpan<byte> a, ReadOnlySpan<byte> b)
    {
        long equal = 0, massesA = 0, massesB = 0, massesBoth = 0, tumorA = 0, tumorB = 0, tumorBoth = 0;
        for (int n = 0; n < a.Length; n++)
        {
            if (a[n] == b[n]) equal++;
            if (a[n] > 0) massesA++;
            if (b[n] > 0) massesB++;
            if (a[n] > 0 && b[n] > 0) massesBoth++;
            if (a[n] == 2) tumorA++;
            if (b[n] == 2) tumorB++;
            if (a[n] == 2 && b[n] == 2) tumorBoth++;
        }
        static double Dice(long both, long x, long y) => x + y == 0 ? 1 : 2.0 * both / (x + y);
        return ((double)equal / a.Length, Dice(massesBoth, massesA, massesB), Dice(tumorBoth, tumorA, tumorB));
    }
}
