using Google.Rpc;
using Grpc.Core;

namespace RenalGrpc.Client;

/// <summary>Turns an RpcException into the client's typed exceptions, reading the rich status details.</summary>
internal static class RpcErrorTranslation
{
    public static Exception Translate(RpcException ex, Uri server)
    {
        // UNAVAILABLE with an ErrorInfo came from a running server (e.g. its model is not loaded): a refusal, not a dead link.
        if (ex.StatusCode == StatusCode.Unavailable && TryGetRichStatus(ex)?.GetDetail<ErrorInfo>() is null)
            return new RenalUnavailableException(server, ex.Status.DebugException is { } cause ? $"{ex.Status.Detail} ({cause.Message})" : ex.Status.Detail, ex);
        // The call never reached a server (e.g. a TLS handshake with an untrusted certificate):
        // the client reports INTERNAL, but for the user the server is simply not reachable.
        if (ex.Status.DebugException is HttpRequestException transport)
            return new RenalUnavailableException(server, transport.InnerException?.Message ?? transport.Message, ex);
        var violations = new List<FieldViolation>();
        string? reason = null;
        TimeSpan? retryAfter = null;
        Dictionary<string, string>? metadata = null;
        string message = ex.Status.Detail;
        var rich = TryGetRichStatus(ex);
        if (rich is not null)
        {
            if (!string.IsNullOrEmpty(rich.Message)) message = rich.Message;
            var badRequest = rich.GetDetail<BadRequest>();
            if (badRequest is not null)
                violations.AddRange(badRequest.FieldViolations.Select(v => new FieldViolation(v.Field, v.Description)));
            var info = rich.GetDetail<ErrorInfo>();
            if (info is not null && !string.IsNullOrEmpty(info.Reason)) reason = info.Reason;
            if (info is not null && info.Metadata.Count > 0) metadata = new Dictionary<string, string>(info.Metadata);
            retryAfter = rich.GetDetail<RetryInfo>()?.RetryDelay?.ToTimeSpan();
        }
        return new RenalServerException(ex.StatusCode, message, violations, reason, ex, retryAfter, metadata);
    }

    // A malformed grpc-status-details-bin trailer must not hide the plain status behind a parse error.
    private static Google.Rpc.Status? TryGetRichStatus(RpcException ex)
    {
        try
        {
            return ex.GetRpcStatus();
        }
        catch (Google.Protobuf.InvalidProtocolBufferException)
        {
            return null;
        }
    }
}
