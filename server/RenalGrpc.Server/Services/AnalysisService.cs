using Grpc.Core;
using RenalGrpc.Server.Storage;
using V1 = RenalGrpc.V1;

namespace RenalGrpc.Server.Services;

/// <summary>
/// Analysis calls. The diagnosis engine is not built yet: known studies get UNIMPLEMENTED, unknown
/// ones NOT_FOUND, so clients can already exercise their error paths.
/// </summary>
public sealed class AnalysisService(StudyStore store) : V1.AnalysisService.AnalysisServiceBase
{
    public const string NotBuilt = "the diagnosis engine is not built yet";

    public override Task Analyze(V1.AnalyzeRequest request, IServerStreamWriter<V1.AnalyzeResponse> responseStream, ServerCallContext context)
    {
        RequireStudy(request.StudyId);
        throw RpcErrors.Unimplemented(NotBuilt);
    }

    public override async Task<V1.SubmitEditResponse> SubmitEdit(IAsyncStreamReader<V1.SubmitEditRequest> requestStream, ServerCallContext context)
    {
        if (!await requestStream.MoveNext(context.CancellationToken) || requestStream.Current.PayloadCase != V1.SubmitEditRequest.PayloadOneofCase.Header)
        {
            throw RpcErrors.InvalidArgument("header", "the first message must be an EditHeader", "NO_HEADER");
        }

        RequireStudy(requestStream.Current.Header.StudyId);
        throw RpcErrors.Unimplemented(NotBuilt);
    }

    public override Task GetSegmentation(V1.GetSegmentationRequest request, IServerStreamWriter<V1.SegmentationMessage> responseStream, ServerCallContext context)
    {
        RequireStudy(request.StudyId);
        throw RpcErrors.Unimplemented(NotBuilt);
    }

    private void RequireStudy(string studyId)
    {
        if (!store.Contains(studyId))
        {
            throw RpcErrors.NotFound(studyId);
        }
    }
}
