using System.Text.Json;
using RenalGrpc.Engine.Inference;
using RenalGrpc.Imaging;
using RenalGrpc.Imaging.Nifti;
using RenalGrpc.Imaging.Tests.Support;
using RenalGrpc.Serving;

namespace RenalGrpc.Cli.Tests;

/// <summary>`renal evaluate` with the shipped model on two generated studies: with and without stage 1's crops, with mirror TTA.</summary>
public sealed class EvaluateCommandTests : IDisposable
{
    private readonly ScratchFolder _scratch = new();

    public void Dispose() => _scratch.Dispose();

    private static string ModelFolder => Path.Combine(RepositoryPaths.Root, "models", "default");

    [Fact]
    public async Task Evaluate_scores_every_case_and_writes_the_report_with_or_without_the_crops()
    {
        var data = _scratch.File("data");
        // Seeds 2027 and 2028: never trained on (MODEL.md); 64 x 64 x 24 scans keep the run short.
        var phantom = await CliRun.Of("phantom", "--out", data, "--cases", "2", "--seed", "2027", "--balance", "uniform", "--size", "64x64x24");
        Assert.True(phantom.ExitCode == 0, phantom.Stderr);

        foreach (var extra in new[] { Array.Empty<string>(), new[] { "--whole-field" }, new[] { "--mirror-tta" } })
        {
            var report = _scratch.File($"eval{string.Concat(extra)}.json");
            // The first run also writes the label maps; recomputing its Dice from them must give the report's.
            string[] write = extra.Length == 0 ? ["--predictions", _scratch.File("predictions")] : [];
            var run = await CliRun.Of(["evaluate", "--data", data, "--model", ModelFolder, "--report", report, .. extra, .. write]);
            Assert.True(run.ExitCode == 0, run.Stderr);
            Assert.Contains("case_00000", run.Stdout);
            Assert.Contains("case_00001", run.Stdout);
            using var json = JsonDocument.Parse(File.ReadAllText(report));
            var cases = json.RootElement.GetProperty("cases");
            Assert.Equal(2, cases.GetArrayLength());
            foreach (var c in cases.EnumerateArray())
            {
                double dice = c.GetProperty("diceKidneyMasses").GetDouble();
                Assert.True(dice > 0.8, $"{string.Join(" ", extra)}: kidney+masses Dice {dice:F3}");
                // The registration against the motion the generator recorded, for every moving phase. On these
                // 5 mm scans it is not precise (one phase of case 1 ends 11.7 mm off), so only the scale is checked:
                // breathing moves a phase by up to about 10 mm plus 3 degrees, a runaway registration by far more.
                var errors = c.GetProperty("alignmentErrorMm").EnumerateObject().ToDictionary(e => e.Name, e => e.Value);
                Assert.Equal(["A", "D", "N"], errors.Keys.Order());
                Assert.All(errors.Values, e => Assert.InRange(e.GetProperty("registeredMm").GetDouble(), 0.01, 25));
                Assert.All(errors.Values, e => Assert.InRange(e.GetProperty("unregisteredMm").GetDouble(), 0.5, 40));
                if (write.Length > 0) AssertPredictionScoresAsReported(data, write[1], c);
            }
            var summary = json.RootElement.GetProperty("summary");
            Assert.Equal(2, summary.GetProperty("cases").GetInt32());
            // Every generated study has a tumor, so the size bands hold both.
            Assert.Equal(2, summary.GetProperty("byTumorSize").EnumerateArray().Sum(b => b.GetProperty("studies").GetInt32()));
            Assert.Contains("by largest true tumor radius", run.Stdout);
            Assert.Contains("alignment error vs recorded motion", run.Stdout);
            string model = json.RootElement.GetProperty("model").GetString()!;
            Assert.EndsWith(extra.Length == 0 ? "(local)" : extra[0] == "--whole-field" ? "(local, whole field)" : "(local, mirror TTA)", model);
        }

        var refused = await CliRun.Of("evaluate", "--data", data, "--whole-field", "--server", "http://127.0.0.1:1");
        Assert.Equal(2, refused.ExitCode);
        Assert.Contains("--whole-field needs --model", refused.Stderr);
        var noFolder = await CliRun.Of("evaluate", "--data", data, "--model", ModelFolder, "--report", Path.Combine(data, "no-such", "eval.json"));
        Assert.Equal(2, noFolder.ExitCode);
        Assert.Contains("does not exist", noFolder.Stderr);
        var onFile = await CliRun.Of("evaluate", "--data", data, "--model", ModelFolder, "--predictions", Path.Combine(data, "dataset.json"));
        Assert.Equal(2, onFile.ExitCode);
        Assert.Contains("is a file, give a folder", onFile.Stderr);
    }

    [Fact]
    public async Task Stage_two_rescored_from_saved_analyses_reproduces_the_run_and_follows_the_models_crop_settings()
    {
        var data = _scratch.File("data");
        var phantom = await CliRun.Of("phantom", "--out", data, "--cases", "2", "--seed", "2029", "--balance", "uniform", "--size", "64x64x24");
        Assert.True(phantom.ExitCode == 0, phantom.Stderr);
        var saved = _scratch.File("saved");
        var full = await CliRun.Of("evaluate", "--data", data, "--model", ModelFolder, "--report", _scratch.File("full.json"),
            "--predictions", saved, "--save-aligned");
        Assert.True(full.ExitCode == 0, full.Stderr);
        foreach (string id in new[] { "case_00000", "case_00001" })
        {
            Assert.True(File.Exists(Path.Combine(saved, id + ".aligned", "outcome.json")), id);
            Assert.Equal(VoxelType.Float32, NiftiFile.Read(Path.Combine(saved, id + ".aligned", "N.nii.gz")).VoxelType);
        }

        // The same model on the saved maps and phases: the same verdicts, Dice and alignment figures.
        var again = await CliRun.Of("evaluate", "--data", data, "--model", ModelFolder, "--from-predictions", saved, "--report", _scratch.File("again.json"));
        Assert.True(again.ExitCode == 0, again.Stderr);
        var before = Cases("full.json");
        var after = Cases("again.json");
        int withVerdict = 0;
        foreach (var (a, b) in before.Zip(after))
        {
            Assert.Equal(a.GetProperty("diceTumor").GetDouble(), b.GetProperty("diceTumor").GetDouble(), 12);
            Assert.Equal(a.GetProperty("predictedLesions").GetInt32(), b.GetProperty("predictedLesions").GetInt32());
            Assert.Equal(a.GetProperty("referencePhase").GetString(), b.GetProperty("referencePhase").GetString());
            Assert.Equal(a.GetProperty("alignmentErrorMm").GetRawText(), b.GetProperty("alignmentErrorMm").GetRawText());
            var (p, q) = (Probabilities(a), Probabilities(b));
            Assert.Equal(p is null, q is null);
            if (p is null) continue;
            withVerdict++;
            for (int k = 0; k < 5; k++) Assert.Equal(p[k], q![k], 6);
        }
        Assert.True(withVerdict > 0, "no case had a verdict to compare");
        using (var json = JsonDocument.Parse(File.ReadAllText(_scratch.File("again.json"))))
            Assert.EndsWith("(stage 2 on saved)", json.RootElement.GetProperty("model").GetString());

        // A copy of the model that crops with a 15 mm margin instead of 5: stage 2 really runs again.
        var wide = _scratch.File("wide-model");
        Directory.CreateDirectory(wide);
        foreach (var file in Directory.GetFiles(ModelFolder)) File.Copy(file, Path.Combine(wide, Path.GetFileName(file)));
        string metadataPath = Path.Combine(wide, "checkpoint.json");
        string metadata = File.ReadAllText(metadataPath);
        Assert.Contains("\"marginMm\": 5,", metadata);
        File.WriteAllText(metadataPath, metadata.Replace("\"marginMm\": 5,", "\"marginMm\": 15,"));
        var widened = await CliRun.Of("evaluate", "--data", data, "--model", wide, "--from-predictions", saved, "--report", _scratch.File("wide.json"));
        Assert.True(widened.ExitCode == 0, widened.Stderr);
        double change = before.Zip(Cases("wide.json")).Where(c => Probabilities(c.First) is not null)
            .Max(c => Probabilities(c.First)!.Zip(Probabilities(c.Second)!).Max(x => Math.Abs(x.First - x.Second)));
        Assert.True(change > 1e-4, $"a 15 mm crop margin changed no probability ({change})");

        // Misuse and missing or broken saves are clear errors.
        var withServer = await CliRun.Of("evaluate", "--data", data, "--from-predictions", saved, "--server", "http://127.0.0.1:1");
        Assert.Equal(2, withServer.ExitCode);
        Assert.Contains("--from-predictions takes --model only", withServer.Stderr);
        var noFolder = await CliRun.Of("evaluate", "--data", data, "--model", ModelFolder, "--save-aligned");
        Assert.Equal(2, noFolder.ExitCode);
        Assert.Contains("--save-aligned needs --model and --predictions", noFolder.Stderr);
        var plainPredictions = _scratch.File("plain");
        Directory.CreateDirectory(plainPredictions);
        var unsaved = await CliRun.Of("evaluate", "--data", data, "--model", ModelFolder, "--from-predictions", plainPredictions);
        Assert.Equal(2, unsaved.ExitCode);
        Assert.Contains("case_00000: no saved analysis", unsaved.Stderr);
        File.WriteAllText(Path.Combine(saved, "case_00001.aligned", "outcome.json"), "{ \"referencePhase\": ");
        var broken = await CliRun.Of("evaluate", "--data", data, "--model", ModelFolder, "--from-predictions", saved);
        Assert.Equal(2, broken.ExitCode);
        Assert.Contains("not a saved outcome", broken.Stderr);
    }

    private List<JsonElement> Cases(string reportName)
    {
        using var json = JsonDocument.Parse(File.ReadAllText(_scratch.File(reportName)));
        return json.RootElement.GetProperty("cases").EnumerateArray().Select(c => c.Clone()).ToList();
    }

    private static double[]? Probabilities(JsonElement scored) =>
        scored.GetProperty("studyProbabilities") is { ValueKind: JsonValueKind.Array } p ? p.EnumerateArray().Select(v => v.GetDouble()).ToArray() : null;

    /// <summary>The written label map lies on the reference phase's truth grid and gives the report's Dice again.</summary>
    private static void AssertPredictionScoresAsReported(string data, string predictions, JsonElement scored)
    {
        string id = scored.GetProperty("caseId").GetString()!;
        string reference = scored.GetProperty("referencePhase").GetString()!;
        var predicted = NiftiFile.Read(Path.Combine(predictions, $"{id}.nii.gz"));
        var truth = NiftiFile.Read(Path.Combine(data, id, $"segmentation_{reference}.nii.gz"));
        Assert.True(predicted.Geometry.IsSameGrid(truth.Geometry, 1e-2, 1e-4), $"{id}: written on another grid");
        Assert.Equal(VoxelType.UInt8, predicted.VoxelType);
        static double Dice(byte[] a, byte[] b, Func<byte, bool> inside)
        {
            long both = 0, total = 0;
            for (int n = 0; n < a.Length; n++)
            {
                bool x = inside(a[n]), y = inside(b[n]);
                if (x && y) both++;
                total += (x ? 1 : 0) + (y ? 1 : 0);
            }
            return total == 0 ? 1 : 2.0 * both / total;
        }
        Assert.Equal(scored.GetProperty("diceKidneyMasses").GetDouble(), Dice(predicted.Buffer, truth.Buffer, l => l > 0), 9);
        Assert.Equal(scored.GetProperty("diceTumor").GetDouble(), Dice(predicted.Buffer, truth.Buffer, l => l == 2), 9);
    }

    [Fact]
    public void The_whole_field_loader_turns_both_crops_off_and_keeps_the_precision()
    {
        var loader = new CheckpointAnalyzerLoader(InferencePrecision.Float32);
        Assert.NotNull(loader.Settings.BodyCrop);
        Assert.Equal(50, loader.Settings.KidneySearchMarginMm);
        var whole = loader.WithWholeField();
        Assert.Null(whole.Settings.BodyCrop);
        Assert.Null(whole.Settings.KidneySearchMarginMm);
        Assert.Equal(InferencePrecision.Float32, whole.Settings.Precision);
    }
}
