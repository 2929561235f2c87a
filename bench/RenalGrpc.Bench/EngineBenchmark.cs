using System.Diagnostics;
using RenalGrpc.Engine.Analysis;
using RenalGrpc.Engine.Checkpoints;
using RenalGrpc.Engine.Inference;
using RenalGrpc.Engine.Preprocessing;
using RenalGrpc.Imaging;
using RenalGrpc.Phantom;
using static TorchSharp.torch;

namespace RenalGrpc.Bench;

/// <summary>
/// The diagnosis engine in-process (issue 5, "Proof"): per-stage time and peak RSS of a whole
/// Analyze for a small (128x128x40) and a realistic (512x512x200) four-phase phantom study,
/// sliding-window throughput on the realistic P phase's model grid, and the stage-1 network's
/// forward time in TorchSharp against Debian's python3-torch. Targets: realistic study end to end
/// under 60 s with peak RSS under 6 GB on a 2-core CPU.
/// </summary>
internal sealed class EngineBenchmark : IBenchmark
{
    private const double EndToEndTargetSeconds = 60;
    private const double PeakRssTargetBytes = 6e9;

    public string Name => "engine";

    private sealed record StudyRun(string Label, BenchStudy Study, IReadOnlyList<StageTiming> Timings, double WallSeconds,
        long RssBefore, long PeakBefore, long? PeakDuring, long PeakAfter, int LesionsFound, string Verdict);

    private sealed record WindowRun(InferencePrecision Precision, double Step, int[] Grid, int[] Tile, int Tiles, double PreprocessSeconds, double PredictSeconds, double ForwardMs);

    /// <summary>How far the labels (argmax on the model grid) of a faster setting stray from float32 at step 0.5.</summary>
    private sealed record PrecisionAgreement(double VoxelAgreement, double DiceKidneyMasses, double DiceTumor, long TumorVoxelsFloat32, long TumorVoxelsBFloat16);

    public async Task RunAsync(BenchmarkContext context, CancellationToken cancellationToken)
    {
        var (folder, description) = EngineFixtures.ChooseModel(context);
        var load = Stopwatch.StartNew();
        using var model = ModelCheckpoint.Load(folder);
        double loadSeconds = load.Elapsed.TotalSeconds;
        using var analyzer = new StudyAnalyzer(model); // the server's settings: Auto precision, body crop
        var metadata = model.Metadata;
        Console.WriteLine(FormattableString.Invariant(
            $"engine: model {folder} ({description}; {metadata.Name} {metadata.Version}, U-Net [{string.Join(", ", metadata.Segmentation.Features)}], spacing [{string.Join(", ", metadata.SpacingMm)}] mm, tile [{string.Join(", ", metadata.TileShape)}]), loaded in {loadSeconds:F2} s; torch threads {get_num_threads()}"));

        // The forward comparison first: it is short, and its numbers stand even when a loaded machine stretches the studies.
        var shapes = EngineForwardComparison.Shapes(model.Segmentation, metadata.TileShape);
        if (context.Quick) shapes = shapes[..1];
        var (forward, torchVersion) = await EngineForwardComparison.RunAsync(model.Segmentation, shapes, context, context.Quick ? 2 : null, cancellationToken);
        PrintForward(forward, torchVersion);

        // --quick (a smoke run of the section): only the forward comparison on the tile, two repeats.
        if (context.Quick) return;

        WarmUp(model);
        var runs = new List<StudyRun>();
        var small = EngineFixtures.Generate("small", ScanSize.Small);
        runs.Add(Measure(analyzer, small, "small", cancellationToken));
        small = null;
        var generate = Stopwatch.StartNew();
        var realistic = EngineFixtures.Generate("realistic", ScanSize.Realistic);
        double generateSeconds = generate.Elapsed.TotalSeconds;
        runs.Add(Measure(analyzer, realistic, "realistic", cancellationToken));

        // The same study with stage 1 on the whole field of view of every phase, as before session 9.
        using (var wholeField = new StudyAnalyzer(model, new StudyAnalyzerSettings { BodyCrop = null, KidneySearchMarginMm = null }))
        {
            runs.Add(Measure(wholeField, realistic, "realistic, whole field", cancellationToken));
        }
        PrintStages(runs);
        PrintMemory(runs, generateSeconds);
        BodyCropComparison.Measure(model, realistic.Phases, analyzer.TileStep ?? metadata.TileStep, analyzer.Settings.KidneySearchMarginMm ?? 50, cancellationToken);

        var (windows, agreements) = MeasureSlidingWindow(model, realistic.Phases["P"], cancellationToken);
        realistic = null;
        ProcessMemory.Settle();
        PrintWindow(windows, agreements);
    }

    /// <summary>One forward on a tile first, so libtorch's one-time set-up is not charged to the small study.</summary>
    private static void WarmUp(LoadedModel model)
    {
        var tile = model.Metadata.TileShape;
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        model.Segmentation.forward(zeros(new long[] { 1, model.Segmentation.Options.InputChannels, tile[0], tile[1], tile[2] }));
    }

    /// <summary>
    /// One Analyze with the server's defaults (no mirror TTA). Garbage of earlier runs is collected
    /// and VmHWM reset to the current RSS first, so PeakDuring is this Analyze's peak (images held
    /// in memory included); PeakBefore / PeakAfter are the process-wide marks around it.
    /// </summary>
    private static StudyRun Measure(StudyAnalyzer analyzer, BenchStudy study, string label, CancellationToken cancellationToken)
    {
        ProcessMemory.Settle();
        long rssBefore = ProcessMemory.CurrentBytes();
        long peakBefore = ProcessMemory.ProcessPeakBytes();
        bool reset = ProcessMemory.TryResetPeak();
        var clock = Stopwatch.StartNew();
        var analysis = analyzer.Analyze(study.Phases, new AnalysisOptions(), new StageLog(clock), cancellationToken);
        double wall = clock.Elapsed.TotalSeconds;
        long peakNow = ProcessMemory.PeakSinceResetBytes();
        long peakAfter = ProcessMemory.ProcessPeakBytes();
        var run = new StudyRun(label, study, analysis.Timings, wall, rssBefore, peakBefore, reset ? peakNow : null, peakAfter,
            analysis.Diagnosis.Lesions.Count, analysis.Diagnosis.Verdict);
        Console.WriteLine(FormattableString.Invariant($"- {label}: Analyze {wall:F2} s, {run.LesionsFound} lesion(s) found ({study.TrueLesions} drawn), verdict '{run.Verdict}'"));
        return run;
    }

    /// <summary>
    /// The window at float32 and at bfloat16 (the default), with nnU-Net's step of half a tile and
    /// with MONAI's quarter-tile overlap, on the same prepared grid: time per run, the bare forward
    /// per tile, and how well each label map agrees with float32 at step 0.5.
    /// </summary>
    private static (IReadOnlyList<WindowRun> Runs, IReadOnlyList<PrecisionAgreement> Agreements) MeasureSlidingWindow(LoadedModel model, Volume phase, CancellationToken cancellationToken)
    {
        var metadata = model.Metadata;
        var tile = metadata.TileShape.ToArray();
        using var scope = NewDisposeScope();
        var clock = Stopwatch.StartNew();
        var preprocessor = new PhasePreprocessor(new Vec3(metadata.SpacingMm[0], metadata.SpacingMm[1], metadata.SpacingMm[2]), metadata.Normalization, tile);
        var prepared = preprocessor.Run(phase);
        double preprocessSeconds = clock.Elapsed.TotalSeconds;
        var grid = prepared.Image.shape.Skip(1).Select(n => (int)n).ToArray();
        var runs = new List<WindowRun>();
        var labels = new List<Tensor>();
        // bfloat16 only where the convolution probe did not rule it out: on AVX2-only CPUs one run
        // would take many minutes. The server's choice (Auto) then also times the network on a tile.
        var chosen = PrecisionProbe.Resolve(InferencePrecision.Auto, model.Segmentation, tile);
        var settings = PrecisionProbe.Result.Chosen == InferencePrecision.BFloat16
            ? new[] { (InferencePrecision.Float32, 0.5), (InferencePrecision.BFloat16, 0.5), (InferencePrecision.BFloat16, 0.75) }
            : new[] { (InferencePrecision.Float32, 0.5), (InferencePrecision.Float32, 0.75) };
        var probe = PrecisionProbe.Measurement!;
        Console.Error.WriteLine(FormattableString.Invariant(
            $"precision probe ({probe.Workload}): float32 {probe.Float32Milliseconds:F1} ms, bfloat16 {probe.BFloat16Milliseconds:F1} ms: {chosen}"));
        foreach (var (precision, step) in settings)
        {
            using var network = PrecisionCopy.Of(model.Segmentation, precision);
            var predictor = new SlidingWindowPredictor(network, new SlidingWindowOptions { TileShape = tile, PadValue = prepared.Record.PadValue, StepFraction = step });
            predictor.Predict(prepared.Image[TensorIndex.Colon, TensorIndex.Slice(0, tile[0]), TensorIndex.Slice(0, tile[1]), TensorIndex.Slice(0, tile[2])], cancellationToken).Dispose();
            // One timed run after a one-tile warm-up: a run is tens of tiles.
            clock.Restart();
            var probabilities = predictor.Predict(prepared.Image, cancellationToken);
            double predictSeconds = clock.Elapsed.TotalSeconds;
            labels.Add(probabilities.argmax(0));
            probabilities.Dispose();

            // The bare network on one tile: what the window costs beyond the forwards (blending, copies).
            using var noGrad = no_grad();
            var oneTile = prepared.Image[TensorIndex.Colon, TensorIndex.Slice(0, tile[0]), TensorIndex.Slice(0, tile[1]), TensorIndex.Slice(0, tile[2])]
                .unsqueeze(0).to(PrecisionCopy.ScalarTypeOf(precision));
            var forwards = new double[5];
            for (int n = 0; n < forwards.Length; n++)
            {
                using var inner = NewDisposeScope();
                clock.Restart();
                network.forward(oneTile);
                forwards[n] = clock.Elapsed.TotalMilliseconds;
            }
            Array.Sort(forwards);
            runs.Add(new WindowRun(precision, step, grid, tile, TilePlanner.Plan(grid, tile, step).TileCount, preprocessSeconds, predictSeconds, forwards[forwards.Length / 2]));
        }
        return (runs, labels.Skip(1).Select(l => Agree(labels[0], l)).ToList());
    }

    private static PrecisionAgreement Agree(Tensor reference, Tensor other)
    {
        static double Dice(Tensor a, Tensor b)
        {
            double denominator = a.sum().item<long>() + b.sum().item<long>();
            return denominator == 0 ? 1 : 2.0 * (a & b).sum().item<long>() / denominator;
        }
        double agreement = reference.eq(other).to(ScalarType.Float64).mean().item<double>();
        return new PrecisionAgreement(agreement, Dice(reference.gt(0), other.gt(0)), Dice(reference.eq(2), other.eq(2)),
            reference.eq(2).sum().item<long>(), other.eq(2).sum().item<long>());
    }

    private static void PrintStages(IReadOnlyList<StudyRun> runs)
    {
        Console.WriteLine();
        Console.WriteLine("## Analyze per stage (seconds; StudyAnalysis.Timings, no mirror TTA)");
        Console.WriteLine($"| stage | phase | {string.Join(" | ", runs.Select(r => r.Label))} |");
        Console.WriteLine($"|---|---|{string.Concat(runs.Select(_ => "---:|"))}");
        var keys = runs[^1].Timings.Select(t => (t.Stage, t.Phase)).Concat(runs.SelectMany(r => r.Timings).Select(t => (t.Stage, t.Phase))).Distinct();
        foreach (var (stage, phase) in keys)
        {
            var cells = runs.Select(r => r.Timings.Where(t => t.Stage == stage && t.Phase == phase).Sum(t => t.Seconds));
            Console.WriteLine($"| {stage} | {phase ?? "-"} | {string.Join(" | ", cells.Select(F2))} |");
        }
        foreach (var stage in runs[^1].Timings.Select(t => t.Stage).Distinct())
        {
            Console.WriteLine($"| {stage}, all phases | | {string.Join(" | ", runs.Select(r => F2(r.Timings.Where(t => t.Stage == stage).Sum(t => t.Seconds))))} |");
        }
        Console.WriteLine($"| sum of stages | | {string.Join(" | ", runs.Select(r => F2(r.Timings.Sum(t => t.Seconds))))} |");
        Console.WriteLine($"| **Analyze end to end (wall)** | | {string.Join(" | ", runs.Select(r => F2(r.WallSeconds)))} |");
        var realistic = runs.First(r => r.Label == "realistic");
        Console.WriteLine(FormattableString.Invariant(
            $"target: realistic study end to end < {EndToEndTargetSeconds:F0} s: {realistic.WallSeconds:F1} s, {(realistic.WallSeconds < EndToEndTargetSeconds ? "met" : "NOT met")}"));
    }

    private static void PrintMemory(IReadOnlyList<StudyRun> runs, double generateSeconds)
    {
        Console.WriteLine();
        Console.WriteLine("## Analyze resident memory (MB; VmRSS / VmHWM of this process)");
        Console.WriteLine("| study | grid per phase | images held (MB) | RSS before | VmHWM before (process) | peak during Analyze | VmHWM after (process) | lesions found |");
        Console.WriteLine("|---|---|---:|---:|---:|---:|---:|---:|");
        foreach (var r in runs)
        {
            var size = r.Study.Size.Size;
            Console.WriteLine(FormattableString.Invariant(
                $"| {r.Label} | {size.I}x{size.J}x{size.K} x {r.Study.Phases.Count} | {r.Study.Bytes / 1e6:F0} | {r.RssBefore / 1e6:F0} | {r.PeakBefore / 1e6:F0} | {(r.PeakDuring is { } p ? (p / 1e6).ToString("F0", System.Globalization.CultureInfo.InvariantCulture) : "n/a")} | {r.PeakAfter / 1e6:F0} | {r.LesionsFound} |"));
        }
        Console.WriteLine("VmHWM is process-wide: 'before' and 'after' include everything this process did earlier (phantom");
        Console.WriteLine(FormattableString.Invariant(
            $"rendering of the realistic study took {generateSeconds:F1} s in-process); 'peak during Analyze' is VmHWM after resetting it (/proc/self/clear_refs) to the RSS just before the call, so it includes the images already held."));
        var realistic = runs.First(r => r.Label == "realistic");
        long judged = realistic.PeakDuring ?? realistic.PeakAfter;
        Console.WriteLine(FormattableString.Invariant(
            $"target: realistic peak RSS < {PeakRssTargetBytes / 1e9:F0} GB: {judged / 1e9:F2} GB ({(realistic.PeakDuring is null ? "process VmHWM, reset unavailable" : "during Analyze")}), {(judged < PeakRssTargetBytes ? "met" : "NOT met")}"));
    }

    private static void PrintWindow(IReadOnlyList<WindowRun> runs, IReadOnlyList<PrecisionAgreement> agreements)
    {
        var w = runs[0];
        long gridVoxels = (long)w.Grid[0] * w.Grid[1] * w.Grid[2];
        long tileVoxels = (long)w.Tile[0] * w.Tile[1] * w.Tile[2] * w.Tiles;
        string Cells(Func<WindowRun, string> cell) => string.Join(" | ", runs.Select(cell));
        Console.WriteLine();
        Console.WriteLine($"## Sliding window on the realistic study's P phase, model grid (SlidingWindowPredictor, Gaussian blend, no TTA, {get_num_threads()} threads)");
        if (PrecisionProbe.Measurement is { } probe)
        {
            Console.WriteLine(FormattableString.Invariant(
                $"Precision probe ({probe.Workload}): float32 {probe.Float32Milliseconds:F1} ms, bfloat16 {probe.BFloat16Milliseconds:F1} ms; Auto runs {probe.Chosen}. Whole field of view, no body crop."));
        }
        Console.WriteLine($"| measure | {Cells(r => FormattableString.Invariant($"{r.Precision}, step {r.Step}"))} |");
        Console.WriteLine($"|---|{string.Concat(runs.Select(_ => "---:|"))}");
        Console.WriteLine($"| model grid (z x y x x) | {Cells(r => $"{r.Grid[0]}x{r.Grid[1]}x{r.Grid[2]}")} |");
        Console.WriteLine($"| tiles of {w.Tile[0]}x{w.Tile[1]}x{w.Tile[2]} | {Cells(r => r.Tiles.ToString(System.Globalization.CultureInfo.InvariantCulture))} |");
        Console.WriteLine($"| preprocessing (clip, z-score, resample to model grid) s | {Cells(r => F2(r.PreprocessSeconds))} |");
        Console.WriteLine($"| Predict wall (s) | {Cells(r => F2(r.PredictSeconds))} |");
        Console.WriteLine($"| **model-grid voxels per second** | {Cells(r => FormattableString.Invariant($"{gridVoxels / r.PredictSeconds / 1e6:F2} M"))} |");
        Console.WriteLine($"| tile voxels per second (overlap counted) | {Cells(r => FormattableString.Invariant($"{tileVoxels / r.PredictSeconds / 1e6:F2} M"))} |");
        Console.WriteLine($"| ms per tile (Predict / tiles) | {Cells(r => FormattableString.Invariant($"{r.PredictSeconds * 1000 / r.Tiles:F1}"))} |");
        Console.WriteLine($"| network forward alone per tile, median of 5 (ms) | {Cells(r => FormattableString.Invariant($"{r.ForwardMs:F1}"))} |");
        Console.WriteLine($"| forwards' share of Predict | {Cells(r => FormattableString.Invariant($"{r.ForwardMs * r.Tiles / (r.PredictSeconds * 1000) * 100:F0}%"))} |");
        foreach (var (run, agreement) in runs.Skip(1).Zip(agreements))
        {
            Console.WriteLine(FormattableString.Invariant(
                $"{run.Precision}, step {run.Step} vs Float32, step 0.5, labels on this grid: {agreement.VoxelAgreement * 100:F3}% of voxels equal; Dice kidney+masses {agreement.DiceKidneyMasses:F4}, tumor {agreement.DiceTumor:F4} ({agreement.TumorVoxelsBFloat16} vs {agreement.TumorVoxelsFloat32} tumor voxels); Predict {runs[0].PredictSeconds / run.PredictSeconds:F2}x faster"));
        }
    }

    private static void PrintForward(IReadOnlyList<EngineForwardComparison.Result> results, string torchVersion)
    {
        var table = new BenchmarkTable(
            $"Stage-1 network forward, TorchSharp vs python3-torch {torchVersion}, same weights and input, {EngineForwardComparison.Threads} threads, no_grad, median", "ms");
        foreach (var r in results)
            table.Add($"forward 1x1x{r.Shape[0]}x{r.Shape[1]}x{r.Shape[2]} ({r.Repeats} runs)", r.TorchSharpMs, r.PythonMs, $"python3-torch {torchVersion}");
        table.Print(Console.Out);
        foreach (var r in results)
        {
            Console.WriteLine(FormattableString.Invariant(
                $"- {r.Shape[0]}x{r.Shape[1]}x{r.Shape[2]}: max |TorchSharp - PyTorch| logit difference {r.MaxAbsDiff:0.00E+0} (largest |logit| {r.MaxAbsLogit:F2}): {(r.MaxAbsDiff <= 1e-4 * Math.Max(1, r.MaxAbsLogit) ? "same network" : "OUTPUTS DIFFER")}"));
        }
    }

    private static string F2(double value) => value.ToString("F2", System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>Prints each stage as it starts (to stderr, so the tables stay clean): long runs show where they are.</summary>
    private sealed class StageLog(Stopwatch clock) : IProgress<AnalysisProgress>
    {
        private (AnalysisStage, string?) current;

        public void Report(AnalysisProgress value)
        {
            if ((value.Stage, value.Phase) == current) return;
            current = (value.Stage, value.Phase);
            Console.Error.WriteLine(FormattableString.Invariant($"  {clock.Elapsed.TotalSeconds,7:F1} s  {value.Stage} {value.Phase}"));
        }
    }
}
