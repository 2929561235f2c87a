using Grpc.Core;

namespace RenalGrpc.Server.Services;

/// <summary>Forwards a generated service's bindings except one method, which another class binds with its own marshallers.</summary>
internal sealed class ExceptMethodBinder(ServiceBinderBase inner, string skippedFullName) : ServiceBinderBase
{
    public override void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, UnaryServerMethod<TRequest, TResponse>? handler)
    {
        if (method.FullName != skippedFullName) inner.AddMethod(method, handler);
    }

    public override void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, ClientStreamingServerMethod<TRequest, TResponse>? handler)
    {
        if (method.FullName != skippedFullName) inner.AddMethod(method, handler);
    }

    public override void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, ServerStreamingServerMethod<TRequest, TResponse>? handler)
    {
        if (method.FullName != skippedFullName) inner.AddMethod(method, handler);
    }

    public override void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, DuplexStreamingServerMethod<TRequest, TResponse>? handler)
    {
        if (method.FullName != skippedFullName) inner.AddMethod(method, handler);
    }
}
