using Grpc.Core;
using RenalGrpc.Server.Tests.Support;
using RenalGrpc.V1;

namespace RenalGrpc.Server.Tests;

public sealed partial class EditTests
{
    [Theory]
    [InlineData(double.NaN, 0, LesionHint.Types.Action.Add)]
    [InlineData(0, double.NaN, LesionHint.Types.Action.Remove)]
    [InlineData(0, double.PositiveInfinity, LesionHint.Types.Action.Add)]
    public async Task AHintPointThatIsNotANumberIsRefusedBeforeAnyWork(double x, double y, LesionHint.Types.Action action)
    {
        // NaN used to round to voxel 0, pass the grid check and run stage 1 around the grid's corner.
        var studyId = await UploadAndAnalyzeAsync();
        var hint = new SubmitEditRequest
        {
            Header = new EditHeader { StudyId = studyId, BaseRevision = 1, Hint = new LesionHint { PointLps = new Vector3 { X = x, Y = y }, Action = action } },
        };
        var e = await RpcAssert.FailsWith(StatusCode.InvalidArgument, () => SubmitAsync(hint));
        Assert.Equal("POINT_NOT_FINITE", RpcAssert.Reason(e));
        Assert.Equal("header.hint.point_lps", RpcAssert.ViolatedField(e));
        Assert.Equal(0, _engine.DiagnoseRuns);
    }

    [Fact]
    public async Task ARevisionAheadOfTheLatestIsNotCalledStaleAndAnUnknownPhaseGridIsRefused()
    {
        var studyId = await UploadAndAnalyzeAsync();
        var box = new VoxelBox { SizeI = 1, SizeJ = 1, SizeK = 1 };
        var future = await RpcAssert.FailsWith(StatusCode.Aborted, () => SubmitAsync(Region(studyId, 7, box, [1], [1])));
        Assert.Equal("base_revision 7 is not stored: the latest revision is 1; fetch it and edit that", future.Status.Detail);
        Assert.Equal("STALE_REVISION", RpcAssert.Reason(future));

        // Phase 9 is no phase; it used to be read as "unspecified" and answered with the reference grid.
        var unknown = await RpcAssert.FailsWith(StatusCode.InvalidArgument, () => FetchAsync(studyId, 0, (Phase)9));
        Assert.Equal("UNKNOWN_PHASE", RpcAssert.Reason(unknown));
        Assert.Equal("phase", RpcAssert.ViolatedField(unknown));
    }
}
