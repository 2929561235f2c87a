using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using RenalGrpc.Imaging;
using RenalGrpc.Server.Analysis;
using RenalGrpc.Server.Hosting;
using RenalGrpc.Server.Tests.Support;
using RenalGrpc.Serving;

namespace RenalGrpc.Cli.Tests;

/// <summary>`renal analyze` against the real server (fake engine) and in-process, writing real files.</summary>
public sealed class AnalyzeCommandTests : IDisposable
{
    private static readonly string[] SubtypeKeys = ["AML", "ccRCC", "chRCC", "oncocytoma", "pRCC"];
    private readonly ScratchFolder _scratch = new();
    private readonly FakeStudyAnalyzer _engine = new();

    public void Dispose() => _scratch.Dispose();

    /// <summary>Two int16 phases on different grids with values spread over the fake's thresholds.</summary>
    private (string N, string P, Volume PVolume) WritePhases()
    {
        Volume Make(int i, int j, int k, double z, int seed)
        {
            var random = new Random(seed);
            var voxels = new short[i * j * k];
            for (var n = 0; n < voxels.Length; n++) voxels[n] = (short)random.Next(short.MinValue, short.MaxValue);
            return Volume.FromVoxels<short>(Geometry.Axial(new GridSize(i, j, k), new Vec3(0.8, 0.8, 2.5), new Vec3(-100, -120, z)), voxels);
        }

        var n = Make(30, 24, 8, 10, 1);
        var p = Make(36, 28, 10, 12, 2);
        var nPath = _scratch.File("N.nii.gz");
        var pPath = _scratch.File("P.nrrd");
        VolumeFiles.Write(n, nPath);
        VolumeFiles.Write(p, pPath);
        return (nPath, pPath, p);
    }

    private void AssertOutputs(Volume phaseP, string segPath, string reportPath)
    {
        var seg = VolumeFiles.Read(segPath);
        Assert.True(seg.Geometry.IsSameGrid(phaseP.Geometry), "the segmentation is in the reference (P) grid");
        var expected = FakeStudyAnalyzer.Segment(phaseP).Buffer;
        Assert.Equal(expected, Enumerable.Range(0, (int)seg.VoxelCount).Select(n => (byte)seg.GetFloat(n)).ToArray());

        using var report = JsonDocument.Parse(File.ReadAllText(reportPath));
        var root = report.RootElement;
        Assert.Equal("P", root.GetProperty("referencePhase").GetString());
        var verdict = root.GetProperty("subtypeProbabilities");
        Assert.Equal(SubtypeKeys, verdict.EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal));
        Assert.Equal(0.55, verdict.GetProperty("ccRCC").GetDouble());
        var lesions = root.GetProperty("lesions");
        Assert.True(lesions.GetArrayLength() >= 1);
        Assert.Equal(SubtypeKeys, lesions[0].GetProperty("subtypeProbabilities").EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal));
        Assert.Equal("left", lesions[0].GetProperty("side").GetString());
    }

    [Fact]
    public async Task AgainstAServer_WritesSegmentationAndReport()
    {
        var (n, p, pVolume) = WritePhases();
        await using var host = await StartServerAsync();

        var seg = _scratch.File("seg.seg.nrrd");
        var report = _scratch.File("report.json");
        var run = await CliRun.Of("analyze", "--server", host.Address, "--phase", $"N={n}", "--phase", $"P={p}", "--out-seg", seg, "--out-report", report);

        Assert.True(run.ExitCode == 0, run.Stderr);
        Assert.Contains("verdict: left renal mass", run.Stdout);
        Assert.Contains("ccRCC", run.Stdout);
        Assert.Contains("reference phase P", run.Stdout);
        AssertOutputs(pVolume, seg, report);
    }

    [Fact]
    public async Task AgainstAServer_APhaseWithNaNVoxelsIsRefusedAndSaysWhy()
    {
        var (n, _, _) = WritePhases();
        var voxels = new float[20 * 16 * 6];
        voxels[7] = float.NaN;
        var d = _scratch.File("D.nii.gz");
        VolumeFiles.Write(Volume.FromVoxels<float>(Geometry.Axial(new GridSize(20, 16, 6), new Vec3(0.8, 0.8, 2.5), new Vec3(-100, -120, 4)), voxels), d);
        await using var host = await StartServerAsync();

        var run = await CliRun.Of("analyze", "--server", host.Address, "--phase", $"N={n}", "--phase", $"D={d}");

        Assert.Equal(ExitCodes.RefusedByServer, run.ExitCode);
        Assert.Contains("phase D: 1 of 1920 float32 voxels are NaN or infinite", run.Stderr);
    }

    [Fact]
    public async Task ClientLibrary_ReturnsCheckedLabelsPerPhaseMasksAndProgress()
    {
        await using var host = await StartServerAsync();
        var n = VolumeFiles.Read(WritePhases().N);
        using var client = new RenalGrpc.Client.RenalClient(new RenalGrpc.Client.RenalClientOptions { Uri = new Uri(host.Address) });
        var upload = await client.UploadStudyAsync(new Dictionary<string, Volume> { ["N"] = n });
        var events = new List<RenalGrpc.Client.AnalyzeProgress>();
        var progress = new SynchronousProgress(events);

        var result = await client.AnalyzeAsync(upload.StudyId, new RenalGrpc.Client.AnalyzeOptions { PerPhaseMasks = true }, progress);

        Assert.Equal(("N", 1u), (result.ReferencePhase, result.Revision));
        Assert.Equal(FakeStudyAnalyzer.Segment(n).Buffer, result.Labels.Buffer);
        Assert.True(result.Labels.Geometry.IsSameGrid(n.Geometry));
        Assert.Equal(FakeStudyAnalyzer.Segment(n).Buffer, Assert.Single(result.PhaseMasks, m => m.Key == "N").Value.Buffer);
        Assert.Equal("N", result.Diagnosis.ReferencePhase);
        Assert.Equal(RenalGrpc.V1.Stage.Queued, events[0].Stage);
        Assert.Contains(events, e => e.Stage == RenalGrpc.V1.Stage.Segmentation && e.Phase == "N");
    }

    private sealed class SynchronousProgress(List<RenalGrpc.Client.AnalyzeProgress> events) : IProgress<RenalGrpc.Client.AnalyzeProgress>
    {
        public void Report(RenalGrpc.Client.AnalyzeProgress value) => events.Add(value);
    }

    private async Task<RenalServerHost> StartServerAsync()
    {
        var host = await RenalServerHost.StartAsync(["--port", "0"], logging => logging.SetMinimumLevel(LogLevel.Warning),
            services => services.AddSingleton<IAnalyzerLoader>(new FakeAnalyzerLoader(_engine)));
        var worker = host.App.Services.GetRequiredService<InferenceWorker>();
        for (var waited = 0; !worker.Status.IsLoaded && waited < 5000; waited += 20) await Task.Delay(20);
        return host;
    }

    [Fact]
    public async Task Local_RunsTheSameEngineAndMappingInProcess()
    {
        var (n, p, pVolume) = WritePhases();
        var command = new AnalyzeCommand(new FakeAnalyzerLoader(_engine));
        var seg = _scratch.File("seg.nii.gz");
        var report = _scratch.File("report.json");
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var args = CliArguments.Parse(["--local", "--phase", $"N={n}", "--phase", $"P={p}", "--out-seg", seg, "--out-report", report], command.Switches);

        var code = await command.RunAsync(args, stdout, stderr, CancellationToken.None);

        Assert.True(code == ExitCodes.Success, stderr.ToString());
        AssertOutputs(pVolume, seg, report);
    }

    [Fact]
    public async Task Local_WithAMissingModel_ExitsWithTheReason()
    {
        var (n, _, _) = WritePhases();
        var missing = _scratch.File("no-model");
        var run = await CliRun.Of("analyze", "--local", "--model", missing, "--phase", $"N={n}");
        Assert.Equal(ExitCodes.BadInput, run.ExitCode);
        Assert.Contains("does not exist", run.Stderr);
    }

    [Fact]
    public async Task AnOutputFolderThatDoesNotExistIsRefusedBeforeAnyWork()
    {
        // Against no server at all: the refusal must come before the upload (exit 4 would mean it did not).
        var (n, _, _) = WritePhases();
        var missing = Path.Combine(_scratch.File("no-such-folder"), "seg.nii.gz");
        var run = await CliRun.Of("analyze", "--server", "http://127.0.0.1:1", "--phase", $"N={n}", "--out-seg", missing);
        Assert.Equal(ExitCodes.BadInput, run.ExitCode);
        Assert.Contains($"--out-seg {missing}: folder {Path.GetDirectoryName(missing)} does not exist", run.Stderr);
        var onFolder = await CliRun.Of("analyze", "--server", "http://127.0.0.1:1", "--phase", $"N={n}", "--out-report", Path.GetDirectoryName(n)!);
        Assert.Equal(ExitCodes.BadInput, onFolder.ExitCode);
        Assert.Contains("is a folder, give a file name", onFolder.Stderr);
    }

    [Fact]
    public async Task AgainstNoServer_ExitsUnreachable()
    {
        var (n, _, _) = WritePhases();
        var run = await CliRun.Of("analyze", "--server", "http://127.0.0.1:1", "--phase", $"N={n}");
        Assert.Equal(ExitCodes.ServerUnreachable, run.ExitCode);
    }

    [Theory]
    [InlineData("analyze")]
    [InlineData("analyze", "--phase", "X=a.nii.gz")]
    [InlineData("analyze", "--phase", "N=a.nii.gz", "--out-seg", "seg.png")]
    [InlineData("analyze", "--local", "--server", "http://127.0.0.1:50051", "--phase", "N=a.nii.gz")]
    [InlineData("analyze", "--model", "m", "--phase", "N=a.nii.gz")]
    [InlineData("analyze", "--phase", "N=a.nii.gz", "--reference-phase", "P")]
    [InlineData("analyze", "--phase", "N=a.nii.gz", "--frobnicate", "1")]
    [InlineData("analyze", "--phase", "N=/no/such/file.nii.gz")]
    public async Task BadArguments_ExitWithUsage(params string[] args)
    {
        var run = await CliRun.Of(args);
        Assert.Equal(ExitCodes.BadInput, run.ExitCode);
        Assert.StartsWith("renal analyze:", run.Stderr);
    }
}
