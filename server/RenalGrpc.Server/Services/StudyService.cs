using Grpc.Core;
using RenalGrpc.Server.Storage;
using V1 = RenalGrpc.V1;

namespace RenalGrpc.Server.Services;

/// <summary>
/// Study bookkeeping over the in-memory <see cref="StudyStore"/>. UploadStudy is bound separately by
/// <see cref="StudyUploadService"/> (its own request reader); <see cref="BindService"/> leaves it out here.
/// </summary>
[BindServiceMethod(typeof(StudyService), nameof(BindService))]
public sealed class StudyService(StudyStore store) : V1.StudyService.StudyServiceBase
{
    /// <summary>Grpc.AspNetCore finds this through the attribute: every generated method except UploadStudy.</summary>
    public static void BindService(ServiceBinderBase binder, V1.StudyService.StudyServiceBase? service) =>
        V1.StudyService.BindService(new ExceptMethodBinder(binder, UploadFrame.Method.FullName), service);

    public override Task<V1.FindStudyResponse> FindStudy(V1.FindStudyRequest request, ServerCallContext context)
    {
        var study = store.Find(ProtoMapping.MapToInputs(request.Phases));
        return Task.FromResult(study is null
            ? new V1.FindStudyResponse { Found = false }
            : new V1.FindStudyResponse { Found = true, Study = ProtoMapping.MapToStudyInfo(study) });
    }

    public override Task<V1.StudyInfo> GetStudy(V1.GetStudyRequest request, ServerCallContext context) =>
        Task.FromResult(ProtoMapping.MapToStudyInfo(store.Get(request.StudyId)));

    public override Task<V1.ListStudiesResponse> ListStudies(V1.ListStudiesRequest request, ServerCallContext context) =>
        Task.FromResult(new V1.ListStudiesResponse
        {
            Studies = { store.List().Select(ProtoMapping.MapToStudyInfo) },
            MemoryUsedBytes = (ulong)store.MemoryUsedBytes,
            MemoryBudgetBytes = (ulong)store.Options.MemoryBudgetBytes,
        });

    public override Task<V1.DeleteStudyResponse> DeleteStudy(V1.DeleteStudyRequest request, ServerCallContext context) =>
        Task.FromResult(new V1.DeleteStudyResponse { Deleted = store.Delete(request.StudyId) });

}
