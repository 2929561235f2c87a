using Grpc.Core;
using RenalGrpc.Server.Tests.Support;
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

    private static VoxelBox BoxOf(VoxelBounds b) => b.IsEmpty
        ? new VoxelBox()
        : new VoxelBox { I0 = (uint)b.I0, J0 = (uint)b.J0, K0 = (uint)b.K0, SizeI = (uint)(b.I1 - b.I0), SizeJ = (uint)(b.J1 - b.J0), SizeK = (uint)(b.K1 - b.K0) };
}
