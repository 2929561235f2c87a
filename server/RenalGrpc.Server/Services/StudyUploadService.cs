using System.Diagnostics;
using Grpc.Core;
using Microsoft.Extensions.Logging;
using RenalGrpc.Server.Storage;
using V1 = RenalGrpc.V1;

namespace RenalGrpc.Server.Services;

/// <summary>
/// renal.v1.StudyService/UploadStudy, bound on its own so its requests can be read as
/// <see cref="UploadFrame"/>s (chunk data in pooled buffers) rather than generated messages;
/// <see cref="StudyService"/> binds the service's other methods. Same route, same contract.
/// </summary>
[BindServiceMethod(typeof(StudyUploadServiceBase), nameof(BindService))]
public abstract class StudyUploadServiceBase
{
    public abstract Task<V1.UploadStudyResponse> UploadStudy(IAsyncStreamReader<UploadFrame> requestStream, ServerCallContext context);

    /// <summary>Called by Grpc.AspNetCore through the attribute above (it finds handlers by name on the base type).</summary>
    public static void BindService(ServiceBinderBase binder, StudyUploadServiceBase? service) =>
        binder.AddMethod(UploadFrame.Method, service is null ? null : service.UploadStudy);
}

/// <summary>Receives a study: header, then chunks written straight to their place in the session's buffers.</summary>
public sealed partial class StudyUploadService(StudyStore store, ILogger<StudyUploadService> logger) : StudyUploadServiceBase
{
    public override async Task<V1.UploadStudyResponse> UploadStudy(IAsyncStreamReader<UploadFrame> requestStream, ServerCallContext context)
    {
        var started = Stopwatch.GetTimestamp();
        StudyUploadSession? session = null;
        try
        {
            while (await requestStream.MoveNext(context.CancellationToken))
            {
                using var frame = requestStream.Current;
                switch (frame.Payload)
                {
                    case V1.UploadStudyRequest.PayloadOneofCase.Header when session is not null:
                        throw RpcErrors.InvalidArgument("header", "a second header was sent; the header comes exactly once, first", "SECOND_HEADER");
                    case V1.UploadStudyRequest.PayloadOneofCase.Header:
                        session = store.BeginUpload(ProtoMapping.MapToInputs(frame.Header!.Phases));
                        break;
                    case V1.UploadStudyRequest.PayloadOneofCase.Chunk when session is null:
                        throw RpcErrors.InvalidArgument("header", "a chunk arrived before the header; send the header first", "CHUNK_BEFORE_HEADER");
                    case V1.UploadStudyRequest.PayloadOneofCase.Chunk:
                        session.AddChunk(frame.Chunk); // copies the data; the frame's buffer goes back on dispose
                        break;
                    default:
                        throw RpcErrors.InvalidArgument("payload", "the message carries neither a header nor a chunk", "EMPTY_MESSAGE");
                }
            }

            if (session is null)
            {
                throw RpcErrors.InvalidArgument("header", "the stream ended without a header", "NO_HEADER");
            }

            var (study, alreadyStored) = await session.CompleteAsync();
            LogUploaded(logger, study.Id, study.TotalBytes, alreadyStored, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            return ProtoMapping.MapToUploadResponse(study, alreadyStored);
        }
        finally
        {
            session?.Dispose();
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Upload of study {StudyId} done: {Bytes} bytes, already stored {AlreadyStored}, {ElapsedMs:F1} ms")]
    private static partial void LogUploaded(ILogger logger, string studyId, ulong bytes, bool alreadyStored, double elapsedMs);
}
