using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using RenalGrpc.Client;
using RenalGrpc.Imaging;
using RenalGrpc.Server.Analysis;
using RenalGrpc.Server.Hosting;
using RenalGrpc.Server.Tests.Support;
using RenalGrpc.Serving;

namespace RenalGrpc.Cli.Tests;

/// <summary>`renal segmentation` and `renal edit` against the real server (fake engine), with real label files.</summary>
public sealed class EditCommandTests : IDisposable
{
    private readonly ScratchFolder _scratch = new();
    private readonly FakeStudyAnalyzer _engine = new();

    public void Dispose() => _scratch.Dispose();

    private static Volume RandomPhase()
    {
        var random = new Random(5);
        var voxels = new short[36 * 28 * 10];
        for (var n = 0; n < voxels.Length; n++) voxels[n] = (short)random.Next(short.MinValue, short.MaxValue);
        return Volume.FromVoxels<short>(Geometry.Axial(new GridSize(36, 28, 10), new Vec3(0.8, 0.8, 2.5), new Vec3(-100, -120, 12)), voxels);
    }

    private async Task<RenalServerHost> StartServerAsync()
    {
        var host = await RenalServerHost.StartAsync(["--port", "0"], logging => logging.SetMinimumLevel(LogLevel.Warning),
            services => services.AddSingleton<IAnalyzerLoader>(new FakeAnalyzerLoader(_engine)));
        var worker = host.App.Services.GetRequiredService<InferenceWorker>();
        for (var waited = 0; !worker.Status.IsLoaded && waited < 5000; waited += 20) await Task.Delay(20);
        return host;
    }

    private static byte[] LabelsOf(string path)
    {
        var volume = VolumeFiles.Read(path);
        return [.. Enumerable.Range(0, (int)volume.VoxelCount).Select(n => (byte)volume.GetFloat(n))];
    }

    [Fact]
    public async Task EditSendsTheChangedBoxThenTheWholeMapAndRefusesAStaleBase()
    {
        await using var host = await StartServerAsync();
        var phase = RandomPhase();
        using var client = new RenalClient(new RenalClientOptions { Uri = new Uri(host.Address) });
        var studyId = (await client.UploadStudyAsync(new Dictionary<string, Volume> { ["P"] = phase })).StudyId;
        await client.AnalyzeAsync(studyId);

        // Revision 1 as a file: what Analyze answered.
        var revision1 = _scratch.File("rev1.nii.gz");
        var saved = await CliRun.Of("segmentation", "--server", host.Address, "--study", studyId, "--out", revision1);
        Assert.True(saved.ExitCode == 0, saved.Stderr);
        Assert.Contains("revision 1", saved.Stdout);
        var analysed = FakeStudyAnalyzer.Segment(phase).Buffer;
        Assert.Equal(analysed, LabelsOf(revision1));

        // Paint a cyst box i 5..9, j 6..10, k 2..4 into the saved file (as int16 NIfTI, as editors often write).
        var painted = LabelsOf(revision1);
        var size = phase.Size;
        for (var k = 2; k <= 4; k++)
            for (var j = 6; j <= 10; j++)
                for (var i = 5; i <= 9; i++)
                    painted[size.Index(i, j, k)] = 3;
        var edited = _scratch.File("edited.nii.gz");
        VolumeFiles.Write(Volume.FromVoxels<short>(VolumeFiles.Read(revision1).Geometry, painted.Select(v => (short)v).ToArray()), edited);

        var run = await CliRun.Of("edit", "--server", host.Address, "--study", studyId, "--labels", edited);
        Assert.True(run.ExitCode == 0, run.Stderr);
        Assert.Contains("revision 1 -> 2", run.Stdout);
        Assert.Contains("sent region", run.Stdout);
        Assert.Contains("changed region: i 5..9, j 6..10, k 2..4 (5x5x3 voxels)", run.Stdout);
        Assert.Contains("verdict: re-diagnosed (fake)", run.Stdout);
        var cystMl = painted.Count(v => v == 3) * phase.Geometry.VoxelVolumeMl;
        Assert.Contains(cystMl.ToString("F2", System.Globalization.CultureInfo.InvariantCulture), run.Stdout);
        Assert.Equal(painted, (await client.GetSegmentationAsync(studyId)).Labels.Buffer);
        Assert.Equal(analysed, (await client.GetSegmentationAsync(studyId, 1)).Labels.Buffer);

        // The same edit against revision 1 again is stale: refused by the server (exit 3), current revision named.
        var stale = await CliRun.Of("edit", "--server", host.Address, "--study", studyId, "--labels", edited, "--base-revision", "1");
        Assert.Equal(ExitCodes.RefusedByServer, stale.ExitCode);
        Assert.Contains("STALE_REVISION", stale.Stderr);
        var staleError = await Assert.ThrowsAsync<RenalServerException>(() =>
            client.SubmitEditAsync(studyId, 1, new WholeMapEdit(VolumeFiles.Read(revision1))));
        Assert.Equal(2u, staleError.CurrentRevision);

        // Undo by sending revision 1 as the edit of revision 2: the changed box is the painted one, so a region again.
        var undo = await CliRun.Of("edit", "--server", host.Address, "--study", studyId, "--labels", revision1);
        Assert.True(undo.ExitCode == 0, undo.Stderr);
        Assert.Contains("revision 2 -> 3", undo.Stdout);
        Assert.Equal(analysed, (await client.GetSegmentationAsync(studyId)).Labels.Buffer);

        // Clearing everything changes a box that is most of the grid: sent as the whole map.
        var cleared = _scratch.File("cleared.nrrd");
        VolumeFiles.Write(Volume.Create(phase.Geometry, VoxelType.UInt8), cleared);
        var whole = await CliRun.Of("edit", "--server", host.Address, "--study", studyId, "--labels", cleared);
        Assert.True(whole.ExitCode == 0, whole.Stderr);
        Assert.Contains("revision 3 -> 4", whole.Stdout);
        Assert.Contains("sent whole label map", whole.Stdout);
        Assert.Contains("no lesions found", whole.Stdout);
        Assert.All((await client.GetSegmentationAsync(studyId, 4)).Labels.Buffer, v => Assert.Equal(0, v));
    }

    [Fact]
    public async Task EditRefusesLabelsOnAnotherGridOrWithBadValues()
    {
        await using var host = await StartServerAsync();
        var phase = RandomPhase();
        using var client = new RenalClient(new RenalClientOptions { Uri = new Uri(host.Address) });
        var studyId = (await client.UploadStudyAsync(new Dictionary<string, Volume> { ["P"] = phase })).StudyId;

        var shifted = _scratch.File("shifted.nii.gz");
        VolumeFiles.Write(Volume.Create(Geometry.Axial(phase.Size, phase.Geometry.Spacing, phase.Geometry.Origin + new Vec3(5, 0, 0)), VoxelType.UInt8), shifted);

        // Never analysed: the server refuses (FAILED_PRECONDITION), exit 3.
        var notAnalysed = await CliRun.Of("edit", "--server", host.Address, "--study", studyId, "--labels", shifted);
        Assert.Equal(ExitCodes.RefusedByServer, notAnalysed.ExitCode);
        Assert.Contains("run Analyze first", notAnalysed.Stderr);

        await client.AnalyzeAsync(studyId);
        var wrongGrid = await CliRun.Of("edit", "--server", host.Address, "--study", studyId, "--labels", shifted);
        Assert.Equal(ExitCodes.BadInput, wrongGrid.ExitCode);
        Assert.Contains("not on the study's reference grid", wrongGrid.Stderr);

        var badValues = _scratch.File("bad.nii.gz");
        VolumeFiles.Write(Volume.FromVoxels<short>(phase.Geometry, Enumerable.Repeat((short)7, (int)phase.VoxelCount).ToArray()), badValues);
        var bad = await CliRun.Of("edit", "--server", host.Address, "--study", studyId, "--labels", badValues);
        Assert.Equal(ExitCodes.BadInput, bad.ExitCode);
        Assert.Contains("labels are 0 background", bad.Stderr);

        var unreachable = await CliRun.Of("edit", "--server", "http://127.0.0.1:1", "--study", studyId, "--labels", shifted);
        Assert.Equal(ExitCodes.ServerUnreachable, unreachable.ExitCode);
    }

    [Fact]
    public async Task RemoveAtAndAddAtSendLesionHints()
    {
        await using var host = await StartServerAsync();
        var phase = RandomPhase();
        using var client = new RenalClient(new RenalClientOptions { Uri = new Uri(host.Address) });
        var studyId = (await client.UploadStudyAsync(new Dictionary<string, Volume> { ["P"] = phase })).StudyId;
        await client.AnalyzeAsync(studyId);
        var labels = FakeStudyAnalyzer.Segment(phase).Buffer;
        var at = Array.IndexOf(labels, (byte)3);
        var size = phase.Size;
        var point = phase.Geometry.IndexToPhysical(at % size.I, at / size.I % size.J, at / (size.I * size.J));
        var text = string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{point.X},{point.Y},{point.Z}");

        var removed = await CliRun.Of("edit", "--server", host.Address, "--study", studyId, "--remove-at", text);
        Assert.True(removed.ExitCode == 0, removed.Stderr);
        Assert.Contains("revision 1 -> 2", removed.Stdout);
        Assert.Contains("sent lesion hint REMOVE", removed.Stdout);
        Assert.NotEqual(3, (await client.GetSegmentationAsync(studyId)).Labels.Buffer[at]);

        // ADD at the same point: the fake's stage 1 (its threshold rule) finds the cyst there again.
        var added = await CliRun.Of("edit", "--server", host.Address, "--study", studyId, "--add-at", text);
        Assert.True(added.ExitCode == 0, added.Stderr);
        Assert.Contains("revision 2 -> 3", added.Stdout);
        Assert.Equal(3, (await client.GetSegmentationAsync(studyId)).Labels.Buffer[at]);

        var both = await CliRun.Of("edit", "--server", host.Address, "--study", studyId, "--add-at", text, "--remove-at", text);
        Assert.Equal(ExitCodes.BadInput, both.ExitCode);
        var badPoint = await CliRun.Of("edit", "--server", host.Address, "--study", studyId, "--add-at", "1,2");
        Assert.Equal(ExitCodes.BadInput, badPoint.ExitCode);
    }
}
