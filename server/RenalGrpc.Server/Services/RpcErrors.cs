using Google.Protobuf.WellKnownTypes;
using Google.Rpc;
using Grpc.Core;
using RenalGrpc.Server.Analysis;
using RenalGrpc.Server.Storage;

namespace RenalGrpc.Server.Services;

/// <summary>Builds gRPC errors with google.rpc details (BadRequest, QuotaFailure, RetryInfo, ErrorInfo) from store and analysis refusals.</summary>
public static class RpcErrors
{
    public const string Domain = "renal.v1";

    /// <summary>ErrorInfo metadata key of a stale edit's refusal: the study's latest revision.</summary>
    public const string CurrentRevisionKey = "current_revision";

    public static RpcException FromStore(StudyRequestException e) => e.Kind switch
    {
        StudyErrorKind.NotFound => Build(Code.NotFound, e.Message, e.Reason, resourceInfo: e.Field),
        StudyErrorKind.FailedPrecondition => Build(Code.FailedPrecondition, e.Message, e.Reason, preconditionSubject: e.Field),
        StudyErrorKind.Aborted => Build(Code.Aborted, e.Message, e.Reason,
            metadata: e.CurrentRevision is { } current ? new Dictionary<string, string> { [CurrentRevisionKey] = current.ToString(System.Globalization.CultureInfo.InvariantCulture) } : null),
        StudyErrorKind.ResourceExhausted => Build(Code.ResourceExhausted, e.Message, e.Reason, quotaSubject: e.Field, badRequestField: e.Field),
        _ => InvalidArgument(e.Field, e.Message, e.Reason),
    };

    public static RpcException InvalidArgument(string field, string message, string reason = "INVALID_ARGUMENT") =>
        Build(Code.InvalidArgument, message, reason, badRequestField: field);

    public static RpcException NotFound(string studyId) => FromStore(StudyRequestException.NotFound(studyId));

    public static RpcException Unimplemented(string message, string reason) =>
        Build(Code.Unimplemented, message, reason);

    public static RpcException RevisionNotFound(string studyId, uint revision, uint first, uint latest) =>
        Build(Code.NotFound, revision < first
            ? $"study '{studyId}' has no revision {revision}: a later Analyze replaced it; revisions run from {first} to {latest}"
            : $"study '{studyId}' has no revision {revision}; revisions run from {first} to {latest}", "REVISION_NOT_FOUND", badRequestField: "revision");

    public static RpcException FailedPrecondition(string subject, string message, string reason) =>
        Build(Code.FailedPrecondition, message, reason, preconditionSubject: subject);

    /// <summary>How long a client should wait before retrying a refused Analyze (a study takes tens of seconds).</summary>
    public static readonly TimeSpan AnalyzeRetryDelay = TimeSpan.FromSeconds(30);

    public static RpcException FromRefusal(AnalysisRefusedException e) => e.Refusal switch
    {
        AnalysisRefusal.QueueFull => Build(Code.ResourceExhausted, e.Message, "ANALYZE_QUEUE_FULL", quotaSubject: "analyze_queue", retryAfter: AnalyzeRetryDelay),
        _ => Build(Code.Unavailable, e.Message, "MODEL_NOT_LOADED"),
    };

    private static RpcException Build(Code code, string message, string reason,
        string? badRequestField = null, string? quotaSubject = null, string? resourceInfo = null, TimeSpan? retryAfter = null,
        string? preconditionSubject = null, IDictionary<string, string>? metadata = null)
    {
        var status = new Google.Rpc.Status { Code = (int)code, Message = message };
        if (badRequestField is not null)
        {
            status.Details.Add(Any.Pack(new BadRequest
            {
                FieldViolations = { new BadRequest.Types.FieldViolation { Field = badRequestField, Description = message } },
            }));
        }

        if (quotaSubject is not null)
        {
            status.Details.Add(Any.Pack(new QuotaFailure
            {
                Violations = { new QuotaFailure.Types.Violation { Subject = quotaSubject, Description = message } },
            }));
        }

        if (resourceInfo is not null)
        {
            status.Details.Add(Any.Pack(new ResourceInfo { ResourceType = "renal.v1.Study", ResourceName = resourceInfo, Description = message }));
        }

        if (retryAfter is { } delay)
        {
            status.Details.Add(Any.Pack(new RetryInfo { RetryDelay = Duration.FromTimeSpan(delay) }));
        }

        if (preconditionSubject is not null)
        {
            status.Details.Add(Any.Pack(new PreconditionFailure
            {
                Violations = { new PreconditionFailure.Types.Violation { Type = reason, Subject = preconditionSubject, Description = message } },
            }));
        }

        var info = new ErrorInfo { Reason = reason, Domain = Domain };
        if (metadata is not null)
        {
            info.Metadata.Add(metadata);
        }

        status.Details.Add(Any.Pack(info));
        return status.ToRpcException();
    }
}
