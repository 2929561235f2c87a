using Grpc.Core;
using RenalGrpc.Server.Tests.Support;
using RenalGrpc.Engine.Analysis;
using RenalGrpc.Imaging.Components;
using RenalGrpc.V1;

namespace RenalGrpc.Server.Tests;

/// <summary>What the server hands the engine for an edit, so that it can re-measure only the lesions the edit touched.</summary>
public sealed partial class EditTests
{
    [Fact]
    public async Task EditsHandTheEngineTheBaseRevisionsDiagnosisAndTheChangedBox()
    {
        var studyId = await UploadAndAnalyzeAsync();
        var box = new VoxelBox { I0 = 5, J0 = 4, K0 = 3, SizeI = 7, SizeJ = 5, SizeK = 3 };
        const uint total = 7 * 5 * 3;
        var first = await SubmitAsync(Region(studyId, 1, box, [total], [2]));
        var (previous, changed) = _engine.LastRediagnose!.Value;
        Assert.Null(previous); // the fake's Analyze keeps no lesion voxels, so the first edit starts from nothing
        Assert.Equal(first.ChangedRegion, BoxOf(changed));

        var second = await SubmitAsync(Region(studyId, 2, box, [total], [3]));
        (previous, changed) = _engine.LastRediagnose!.Value;
        Assert.NotNull(previous);
        Assert.Equal(first.Diagnosis.Lesions.Select(l => (l.Label, l.VolumeMl)), previous.Diagnosis.Lesions.Select(l => ((uint)l.Label, l.VolumeMl)));
        Assert.Equal(box, second.ChangedRegion);
        Assert.Equal(box, BoxOf(changed));
    }

    [Fact]
    public async Task WholeMapWithALabelAboveCystIsRefusedNamingTheVoxel()
    {
        var studyId = await UploadAndAnalyzeAsync();
        var labels = AnalyzeLabels();
        labels[Index(17, 9, 4)] = 4;
        var e = await RpcAssert.FailsWith(StatusCode.InvalidArgument, () => SubmitAsync(WholeMap(studyId, 1, labels)));
        Assert.Equal("chunk.data", RpcAssert.ViolatedField(e));
        Assert.Contains($"voxel {Index(17, 9, 4)} has label 4", e.Status.Detail);
        Assert.Equal(1u, (await FetchAsync(studyId)).Header.Revision);
    }

    [Fact]
    public async Task AnEditAnswersAnalyzesCheckOfTheScansWithItsOwnSubtypeWarnings()
    {
        // Until session 24 an edit's diagnosis had no phase check, so a client showing the latest one lost
        // Analyze's warnings, and one keeping Analyze's kept a subtype warning for a lesion the edit removed.
        _engine.PhaseCheck = new PhaseCheckRecord(new Dictionary<string, double> { ["P"] = 150 }, ["phase P: a scan warning (fake)"]);
        _engine.TumorSubtypeWarning = "the subtype of lesion 1 is read from P alone (fake)";
        var studyId = await UploadAndAnalyzeAsync();
        var analyzed = AnalyzeLabels();
        Assert.Contains((byte)2, analyzed);

        var noTumor = analyzed.Select(v => v == 2 ? (byte)1 : v).ToArray();
        var removed = await SubmitAsync(WholeMap(studyId, 1, noTumor));
        Assert.Equal(["phase P: a scan warning (fake)"], removed.Diagnosis.PhaseCheck.Warnings);
        Assert.Equal(150, removed.Diagnosis.PhaseCheck.KidneyUpperQuartileHu["P"]);

        var restored = await SubmitAsync(WholeMap(studyId, 2, analyzed));
        Assert.Equal(["phase P: a scan warning (fake)", "the subtype of lesion 1 is read from P alone (fake)"], restored.Diagnosis.PhaseCheck.Warnings);
    }

    [Fact]
    public async Task AnEditOfAnAnalysisWithoutACheckAnswersOnlyItsSubtypeWarnings()
    {
        _engine.TumorSubtypeWarning = "the subtype of lesion 1 is read from P alone (fake)";
        var studyId = await UploadAndAnalyzeAsync();
        var box = new VoxelBox { I0 = 5, J0 = 4, K0 = 3, SizeI = 2, SizeJ = 2, SizeK = 1 };
        var edit = await SubmitAsync(Region(studyId, 1, box, [4], [2]));
        Assert.Equal(["the subtype of lesion 1 is read from P alone (fake)"], edit.Diagnosis.PhaseCheck.Warnings);
        Assert.Empty(edit.Diagnosis.PhaseCheck.KidneyUpperQuartileHu);
    }

    private static VoxelBox BoxOf(VoxelBounds b) => b.IsEmpty
        ? new VoxelBox()
        : new VoxelBox { I0 = (uint)b.I0, J0 = (uint)b.J0, K0 = (uint)b.K0, SizeI = (uint)(b.I1 - b.I0), SizeJ = (uint)(b.J1 - b.J0), SizeK = (uint)(b.K1 - b.K0) };
}
