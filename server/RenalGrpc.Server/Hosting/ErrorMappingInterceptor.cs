using Grpc.Core;
using Grpc.Core.Interceptors;
using Microsoft.Extensions.Logging;
using RenalGrpc.Server.Analysis;
using RenalGrpc.Server.Services;
using RenalGrpc.Server.Storage;

namespace RenalGrpc.Server.Hosting;

/// <summary>
/// The outermost interceptor: store refusals become precise statuses with details, a cancelled
/// call becomes CANCELLED, and anything unexpected becomes INTERNAL with a generic message
/// (the exception is logged, never sent).
/// </summary>
public sealed partial class ErrorMappingInterceptor(ILogger<ErrorMappingInterceptor> logger) : Interceptor
{
    public override async Task<TResponse> UnaryServerHandler<TRequest, TResponse>(TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        try
        {
            return await continuation(request, context);
        }
        catch (Exception e) when (e is not RpcException)
        {
            throw Map(e, context);
        }
    }

    public override async Task<TResponse> ClientStreamingServerHandler<TRequest, TResponse>(IAsyncStreamReader<TRequest> requestStream, ServerCallContext context, ClientStreamingServerMethod<TRequest, TResponse> continuation)
    {
        try
        {
            return await continuation(requestStream, context);
        }
        catch (Exception e) when (e is not RpcException)
        {
            throw Map(e, context);
        }
    }

    public override async Task ServerStreamingServerHandler<TRequest, TResponse>(TRequest request, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, ServerStreamingServerMethod<TRequest, TResponse> continuation)
    {
        try
        {
            await continuation(request, responseStream, context);
        }
        catch (Exception e) when (e is not RpcException)
        {
            throw Map(e, context);
        }
    }

    private RpcException Map(Exception e, ServerCallContext context)
    {
        switch (e)
        {
            case StudyRequestException refusal:
                LogRefused(logger, context.Method, refusal.Reason, refusal.Field);
                return RpcErrors.FromStore(refusal);
            case AnalysisRefusedException refusal:
                LogRefused(logger, context.Method, refusal.Refusal.ToString(), "");
                return RpcErrors.FromRefusal(refusal);
            case OperationCanceledException when context.Deadline <= DateTime.UtcNow:
                LogCancelled(logger, context.Method);
                return new RpcException(new Status(StatusCode.DeadlineExceeded, "the call's deadline passed"));
            case OperationCanceledException or IOException when context.CancellationToken.IsCancellationRequested:
                LogCancelled(logger, context.Method);
                return new RpcException(new Status(StatusCode.Cancelled, "the call was cancelled"));
            default:
                LogUnexpected(logger, e, context.Method);
                return new RpcException(new Status(StatusCode.Internal, "internal server error; see the server log"));
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "{Method} refused: {Reason} ({Field})")]
    private static partial void LogRefused(ILogger logger, string method, string reason, string field);

    [LoggerMessage(Level = LogLevel.Information, Message = "{Method} cancelled by the client")]
    private static partial void LogCancelled(ILogger logger, string method);

    [LoggerMessage(Level = LogLevel.Error, Message = "{Method} failed unexpectedly")]
    private static partial void LogUnexpected(ILogger logger, Exception exception, string method);
}
