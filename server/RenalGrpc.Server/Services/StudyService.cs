using System.Diagnostics;
using Grpc.Core;
using Microsoft.Extensions.Logging;
using RenalGrpc.Server.Storage;
using V1 = RenalGrpc.V1;

namespace RenalGrpc.Server.Services;

/// <summary>Study upload and bookkeeping over the in-memory <see cref="StudyStore"/>.</summary>
public sealed partial class StudyService(StudyStore store, ILogger<StudyService> logger) : V1.StudyService.StudyServiceBase
{
    public override async Task<V1.UploadStudyResponse> UploadStudy(IAsyncStreamReader<V1.UploadStudyRequest> requestStream, ServerCallContext context)
    {
        var started = Stopwatch.GetTimestamp();
        StudyUploadSession? session = null;
        try
        {
            while (await requestStream.MoveNext(context.CancellationToken))
            {
                var message = requestStream.Current;
                switch (message.PayloadCase)
                {
                    case V1.UploadStudyRequest.PayloadOneofCase.Header when session is not null:
                        throw RpcErrors.InvalidArgument("header", "a second header was sent; the header comes exactly once, first", "SECOND_HEADER");
                    case V1.UploadStudyRequest.PayloadOneofCase.Header:
                        session = store.BeginUpload(ProtoMapping.MapToInputs(message.Header.Phases));
                        break;
                    case V1.UploadStudyRequest.PayloadOneofCase.Chunk when session is null:
                        throw RpcErrors.InvalidArgument("header", "a chunk arrived before the header; send the header first", "CHUNK_BEFORE_HEADER");
                    case V1.UploadStudyRequest.PayloadOneofCase.Chunk:
                        session.AddChunk(ProtoMapping.MapToInput(message.Chunk));
                        break;
                    default:
                        throw RpcErrors.InvalidArgument("payload", "the message carries neither a header nor a chunk", "EMPTY_MESSAGE");
                }
            }

            if (session is null)
            {
                throw RpcErrors.InvalidArgument("header", "the stream ended without a header", "NO_HEADER");
            }

            var (study, alreadyStored) = session.Complete();
            LogUploaded(logger, study.Id, study.TotalBytes, alreadyStored, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            return ProtoMapping.MapToUploadResponse(study, alreadyStored);
        }
        finally
        {
            session?.Dispose();
        }
    }

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

    [LoggerMessage(Level = LogLevel.Information, Message = "Upload of study {StudyId} done: {Bytes} bytes, already stored {AlreadyStored}, {ElapsedMs:F1} ms")]
    private static partial void LogUploaded(ILogger logger, string studyId, ulong bytes, bool alreadyStored, double elapsedMs);
}
