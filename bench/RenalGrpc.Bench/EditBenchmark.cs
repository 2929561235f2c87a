using System.Diagnostics;
using System.Globalization;
using RenalGrpc.Client;
using RenalGrpc.Client.Testing;
using RenalGrpc.Imaging;
using RenalGrpc.Phantom;

namespace RenalGrpc.Bench;

/// <summary>
/// The edit loop (issue 6) against the real Release server on loopback with the default model: a
/// realistic four-phase 512x512x200 phantom study is uploaded and analysed once (SubmitEdit needs
/// revision 1, and only Analyze makes the aligned images the re-diagnosis uses), then region edits
/// that each touch one lesion (erase a brush ball out of it / paint one back) go through
/// <see cref="LabelEdits.Between"/> and <see cref="RenalClient.SubmitEditAsync"/>. Prints p50 / p95 /
/// max of the call, the server's own time, the bytes each edit sends, and what a full label-map
/// round trip (whole-map SubmitEdit + GetSegmentation) costs. Target: p95 under 300 ms.
/// </summary>
internal sealed partial class EditBenchmark : IBenchmark
{
    private const double TargetP95Ms = 300;
    // JIT tiering and the classifier's first forwards settle within a few edits (printed, not counted).
    private const int WarmUpEdits = 5;
    private const int TimedEdits = 40;
    private const int RoundTrips = 3;

    public string Name => "edit";

    private sealed record EditTiming(string Kind, double CallMs, double ServerMs, double ClientPrepareMs, long BytesSent, long ChangedVoxels, int Lesions);

    public async Task RunAsync(BenchmarkContext context, CancellationToken cancellationToken)
    {
        var (modelFolder, modelDescription) = EngineFixtures.ChooseModel(context);
        var clock = Stopwatch.StartNew();
        var study = EngineFixtures.Generate("realistic", ScanSize.Realistic);
        Console.WriteLine(FormattableString.Invariant($"edit: realistic phantom study generated in {clock.Elapsed.TotalSeconds:F1} s ({study.Bytes / 1e6:F0} MB, {study.TrueLesions} lesions drawn)"));

        var dll = RenalServerProcess.FindServerDll(context.RepositoryRoot, preferRelease: true);
        using var server = await RenalServerProcess.StartAsync(dll, "--model", modelFolder); // the default 4 GiB budget: edits cost their boxes
        using var client = new RenalClient(new RenalClientOptions { Uri = server.Address });
        var info = await WaitForModelAsync(client, cancellationToken);
        Console.WriteLine($"edit: {(dll.Contains("/Release/", StringComparison.Ordinal) ? "Release" : "Debug")} server, model {info.Model.Name} {info.Model.Version} ({modelDescription}: {modelFolder})");

        var upload = await client.UploadStudyAsync(study.Phases, cancellationToken: cancellationToken);
        clock.Restart();
        var analysis = await client.AnalyzeAsync(upload.StudyId, progress: new StageLog(clock), cancellationToken: cancellationToken);
        var analyzeSeconds = clock.Elapsed.TotalSeconds;
        Console.WriteLine(FormattableString.Invariant(
            $"edit: Analyze (once, to get revision 1) {analyzeSeconds:F1} s; {analysis.Diagnosis.Lesions.Count} lesions; verdict '{analysis.Diagnosis.Verdict}'"));

        var scenario = EditScenario.Choose(analysis.Labels, analysis.Diagnosis, (WarmUpEdits + TimedEdits) / 2 + RoundTrips, seed: 6)
            ?? throw new InvalidOperationException("the model found no lesion in the realistic study; nothing to edit");
        Console.WriteLine(FormattableString.Invariant(
            $"edit: lesion {scenario.Lesion.Id} (label {scenario.Lesion.Label}, {scenario.Lesion.VolumeMl:F1} ml, box {scenario.Lesion.BoundingBox.SizeI}x{scenario.Lesion.BoundingBox.SizeJ}x{scenario.Lesion.BoundingBox.SizeK}), brush radius {EditScenario.BrushRadiusMm} mm"));

        var labels = analysis.Labels;
        var revision = analysis.Revision;
        var timings = new List<EditTiming>();
        for (var n = 0; n < WarmUpEdits + TimedEdits; n++)
        {
            var (after, timing, result) = await RegionEditAsync(client, upload.StudyId, revision, labels, scenario, n, cancellationToken);
            if (n >= WarmUpEdits) timings.Add(timing);
            if (n < WarmUpEdits)
            {
                Console.Error.WriteLine(FormattableString.Invariant(
                    $"  edit {n} ({timing.Kind}): {timing.CallMs:F0} ms, {timing.BytesSent} B sent, {timing.ChangedVoxels} voxels in the changed box, lesion now {scenario.VolumeIn(result.Diagnosis):F2} ml"));
            }

            (labels, revision) = (after, result.Revision);
        }

        var (wholeMap, download) = await FullRoundTripsAsync(client, upload.StudyId, revision, labels, scenario, cancellationToken);
        Print(timings, wholeMap, download, labels, scenario);
        PrintWorkerShare(server.Log);
    }

    private static async Task<(Volume After, EditTiming Timing, EditResult Result)> RegionEditAsync(
        RenalClient client, string studyId, uint revision, Volume labels, EditScenario scenario, int n, CancellationToken ct)
    {
        var after = scenario.Apply(labels, n);
        var prepare = Stopwatch.StartNew();
        var edit = LabelEdits.Between(labels, after) as RegionEdit
            ?? throw new InvalidOperationException($"edit {n} did not become a region edit");
        var prepareMs = prepare.Elapsed.TotalMilliseconds;
        var call = Stopwatch.StartNew();
        var result = await client.SubmitEditAsync(studyId, revision, edit, ct);
        var callMs = call.Elapsed.TotalMilliseconds;
        var serverMs = result.Diagnosis.Timings.Sum(t => t.Seconds) * 1000;
        var timing = new EditTiming(n % 2 == 0 ? "erase" : "paint", callMs, serverMs, prepareMs, result.BytesSent, result.ChangedRegion?.VoxelCount ?? 0, result.Diagnosis.Lesions.Count);
        return (after, timing, result);
    }

    /// <summary>The same kind of edit sent as a whole label map, then the map fetched back with GetSegmentation.</summary>
    private static async Task<(List<(double Ms, long Bytes)> Upload, List<(double Ms, long Bytes)> Download)> FullRoundTripsAsync(
        RenalClient client, string studyId, uint revision, Volume labels, EditScenario scenario, CancellationToken ct)
    {
        var upload = new List<(double, long)>();
        var download = new List<(double, long)>();
        for (var n = 0; n < RoundTrips; n++)
        {
            var after = scenario.Apply(labels, WarmUpEdits + TimedEdits + n);
            var clock = Stopwatch.StartNew();
            var result = await client.SubmitEditAsync(studyId, revision, new WholeMapEdit(after), ct);
            upload.Add((clock.Elapsed.TotalMilliseconds, result.BytesSent));
            clock.Restart();
            var fetched = await client.GetSegmentationAsync(studyId, result.Revision, cancellationToken: ct);
            download.Add((clock.Elapsed.TotalMilliseconds, fetched.Labels.Buffer.LongLength));
            if (!fetched.Labels.Buffer.AsSpan().SequenceEqual(after.Buffer)) throw new InvalidOperationException("GetSegmentation returned other labels than the whole map sent");
            (labels, revision) = (after, result.Revision);
        }

        return (upload, download);
    }

    private static void Print(List<EditTiming> timings, List<(double Ms, long Bytes)> wholeMap, List<(double Ms, long Bytes)> download, Volume labels, EditScenario scenario)
    {
        var calls = timings.Select(t => t.CallMs).Order().ToArray();
        var server = timings.Select(t => t.ServerMs).Order().ToArray();
        var bytes = timings.Select(t => (double)t.BytesSent).Order().ToArray();
        var size = labels.Size;
        double uploadMs = Median(wholeMap.Select(w => w.Ms)), downloadMs = Median(download.Select(d => d.Ms));
        long uploadBytes = wholeMap[0].Bytes, downloadBytes = download[0].Bytes;
        double p95 = Percentile(calls, 0.95);
        Console.WriteLine();
        Console.WriteLine(FormattableString.Invariant($"## Edit loop: region edits of one lesion, {size.I}x{size.J}x{size.K} reference grid, loopback, .NET client"));
        Console.WriteLine("| measure | value |");
        Console.WriteLine("|---|---:|");
        Console.WriteLine(FormattableString.Invariant($"| region edits timed (after {WarmUpEdits} warm-up) | {timings.Count} ({timings.Count(t => t.Kind == "erase")} erase, {timings.Count(t => t.Kind == "paint")} paint; {EditScenario.BrushRadiusMm} mm ball in lesion {scenario.Lesion.Id}) |"));
        Console.WriteLine(FormattableString.Invariant($"| SubmitEdit call p50 / p95 / max (ms) | {Percentile(calls, 0.5):F1} / {p95:F1} / {calls[^1]:F1} |"));
        Console.WriteLine(FormattableString.Invariant($"| server's own time p50 / p95 / max (ms) | {Percentile(server, 0.5):F1} / {Percentile(server, 0.95):F1} / {server[^1]:F1} |"));
        Console.WriteLine(FormattableString.Invariant($"| client diff + run-length encoding (LabelEdits.Between, whole map scanned), median (ms) | {Median(timings.Select(t => t.ClientPrepareMs)):F1} |"));
        Console.WriteLine(FormattableString.Invariant($"| bytes sent per region edit, median (min-max) | {Percentile(bytes, 0.5):F0} ({bytes[0]:F0}-{bytes[^1]:F0}) |"));
        Console.WriteLine(FormattableString.Invariant($"| voxels in the changed box, median | {Median(timings.Select(t => (double)t.ChangedVoxels)):F0} |"));
        Console.WriteLine(FormattableString.Invariant($"| whole-map SubmitEdit: bytes sent / time, median of {RoundTrips} (ms) | {uploadBytes} / {uploadMs:F1} |"));
        Console.WriteLine(FormattableString.Invariant($"| GetSegmentation of the map: label bytes / time, median of {RoundTrips} (ms) | {downloadBytes} / {downloadMs:F1} |"));
        Console.WriteLine(FormattableString.Invariant($"| **full label-map round trip: bytes / time (ms)** | {uploadBytes + downloadBytes} / {uploadMs + downloadMs:F1} |"));
        Console.WriteLine(FormattableString.Invariant($"| full round trip bytes / region edit bytes (median) | {(uploadBytes + downloadBytes) / Percentile(bytes, 0.5):F0}x |"));
        Console.WriteLine(FormattableString.Invariant($"target: region edit p95 < {TargetP95Ms:F0} ms: {p95:F1} ms, {(p95 < TargetP95Ms ? "met" : "NOT met")}"));
        Console.WriteLine(FormattableString.Invariant($"lesions in the last region edit's diagnosis: {timings[^1].Lesions}; lesion {scenario.Lesion.Id} was {scenario.Lesion.VolumeMl:F2} ml after Analyze"));
    }

    /// <summary>
    /// The inference worker's part of the timed region edits (changed box + re-diagnosis), from the
    /// server's log; the rest of the server's time is applying the edit to a copy of the labels and storing it.
    /// </summary>
    private static void PrintWorkerShare(string serverLog)
    {
        var worker = WorkerLine().Matches(serverLog).Select(m => double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture))
            .Skip(WarmUpEdits).Take(TimedEdits).Order().ToArray();
        if (worker.Length == 0) return;
        Console.WriteLine(FormattableString.Invariant(
            $"server log: inference worker (changed box + re-diagnosis) p50 / p95 / max {Percentile(worker, 0.5):F0} / {Percentile(worker, 0.95):F0} / {worker[^1]:F0} ms over {worker.Length} region edits"));
    }

    [System.Text.RegularExpressions.GeneratedRegex(@"re-diagnosed: \d+ lesions in (\d+) ms")]
    private static partial System.Text.RegularExpressions.Regex WorkerLine();

    private static async Task<RenalServerInfo> WaitForModelAsync(RenalClient client, CancellationToken ct)
    {
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            var info = await client.GetServerInfoAsync(ct);
            if (info.Model.Loaded) return info;
            if (deadline.Elapsed > TimeSpan.FromMinutes(3)) throw new TimeoutException($"the model did not load: {info.Model.Status}");
            await Task.Delay(500, ct);
        }
    }

    /// <summary>Nearest-rank percentile of sorted values.</summary>
    private static double Percentile(double[] sorted, double fraction) =>
        sorted[Math.Clamp((int)Math.Ceiling(fraction * sorted.Length) - 1, 0, sorted.Length - 1)];

    private static double Median(IEnumerable<double> values) => Percentile(values.Order().ToArray(), 0.5);

    /// <summary>Prints each Analyze stage as it starts (stderr, so the tables stay clean).</summary>
    private sealed class StageLog(Stopwatch clock) : IProgress<AnalyzeProgress>
    {
        private (RenalGrpc.V1.Stage, string?) _current;

        public void Report(AnalyzeProgress value)
        {
            if ((value.Stage, value.Phase) == _current) return;
            _current = (value.Stage, value.Phase);
            Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {clock.Elapsed.TotalSeconds,7:F1} s  {value.Stage} {value.Phase}"));
        }
    }
}
