using Google.Rpc;
using Grpc.Core;

namespace RenalGrpc.Server.Tests.Support;

/// <summary>Checks a gRPC failure's code and the google.rpc details the server attached.</summary>
public static class RpcAssert
{
    public static async Task<RpcException> FailsWith(StatusCode code, Func<Task> call)
    {
        var e = await Assert.ThrowsAsync<RpcException>(call);
        Assert.True(e.StatusCode == code, $"expected {code}, got {e.StatusCode}: {e.Status.Detail}");
        return e;
    }

    /// <summary>The field named by the BadRequest detail (fails when there is none).</summary>
    public static string ViolatedField(RpcException e)
    {
        var status = e.GetRpcStatus();
        Assert.NotNull(status);
        var badRequest = status.GetDetail<BadRequest>();
        Assert.NotNull(badRequest);
        return Assert.Single(badRequest.FieldViolations).Field;
    }

    public static string Reason(RpcException e) => e.GetRpcStatus()?.GetDetail<ErrorInfo>()?.Reason ?? "";
}
