using Google.Rpc;
using Grpc.Core;
using RenalGrpc.Server.Tests.Support;
using RenalGrpc.V1;

namespace RenalGrpc.Server.Tests;

/// <summary>Memory accounting: cancelled uploads, expiry and the budget. Each test gets its own server.</summary>
public sealed class StudyLifecycleTests
{
    [Fact]
    public async Task CancelledUploadReturnsItsMemory()
    {
        await using var server = await RunningServer.StartAsync();
        var phase = SyntheticStudy.Phase(Phase.P, 128, 128, 16, seed: 60);
        var chunks = SyntheticStudy.Chunks(phase).ToList();

        using var cts = new CancellationTokenSource();
        using var call = server.Studies.UploadStudy(cancellationToken: cts.Token);
        await call.RequestStream.WriteAsync(SyntheticStudy.Header(phase));
        await call.RequestStream.WriteAsync(chunks[0]);
        Assert.True(await RunningServer.EventuallyAsync(() => server.MemoryUsedBytes == phase.Bytes.Length), "header reserves the phase's bytes");

        await cts.CancelAsync();

        var e = await Assert.ThrowsAsync<RpcException>(() => call.ResponseAsync);
        Assert.Equal(StatusCode.Cancelled, e.StatusCode);
        Assert.True(await RunningServer.EventuallyAsync(() => server.MemoryUsedBytes == 0), $"memory still {server.MemoryUsedBytes}");
        Assert.Empty((await server.Studies.ListStudiesAsync(new ListStudiesRequest())).Studies);
    }

    [Fact]
    public async Task DisconnectMidUploadReturnsItsMemory()
    {
        await using var server = await RunningServer.StartAsync();
        var phase = SyntheticStudy.Phase(Phase.A, 128, 128, 16, seed: 61);
        var channel = RunningServer.CreateChannel(server.Host.Address);
        var client = new StudyService.StudyServiceClient(channel);
        var call = client.UploadStudy();
        await call.RequestStream.WriteAsync(SyntheticStudy.Header(phase));
        await call.RequestStream.WriteAsync(SyntheticStudy.Chunks(phase).First());
        Assert.True(await RunningServer.EventuallyAsync(() => server.MemoryUsedBytes == phase.Bytes.Length));

        call.Dispose();
        channel.Dispose();

        Assert.True(await RunningServer.EventuallyAsync(() => server.MemoryUsedBytes == 0), $"memory still {server.MemoryUsedBytes}");
    }

    [Fact]
    public async Task IdleStudiesExpireAndUseRefreshesTheirTtl()
    {
        await using var server = await RunningServer.StartAsync("--study-ttl-seconds", "1");
        var phase = SyntheticStudy.Phase(Phase.N, seed: 62);
        var uploaded = await server.UploadAsync(SyntheticStudy.Upload(phase));

        await Task.Delay(200);
        var refreshed = await server.Studies.GetStudyAsync(new GetStudyRequest { StudyId = uploaded.StudyId });
        Assert.True(refreshed.ExpiresAt.ToDateTimeOffset() > uploaded.ExpiresAt.ToDateTimeOffset(), "GetStudy refreshes the TTL");

        Assert.True(await RunningServer.EventuallyAsync(() => server.MemoryUsedBytes == 0), "the expiry service frees the study");
        await RpcAssert.FailsWith(StatusCode.NotFound,
            () => server.Studies.GetStudyAsync(new GetStudyRequest { StudyId = uploaded.StudyId }).ResponseAsync);
    }

    [Fact]
    public async Task MemoryBudgetRefusesWhatDoesNotFit()
    {
        await using var server = await RunningServer.StartAsync("--memory-budget-mb", "1");
        var tooBig = SyntheticStudy.Phase(Phase.P, 128, 128, 40, seed: 63); // 1.25 MiB
        var e = await RpcAssert.FailsWith(StatusCode.ResourceExhausted, () => server.UploadAsync(SyntheticStudy.Upload(tooBig)));
        var quota = e.GetRpcStatus()!.GetDetail<QuotaFailure>();
        Assert.NotNull(quota);
        Assert.Equal("memory_budget", Assert.Single(quota.Violations).Subject);
        Assert.Equal("MEMORY_BUDGET_EXCEEDED", RpcAssert.Reason(e));

        var first = SyntheticStudy.Phase(Phase.P, 128, 128, 20, seed: 64);  // 640 KiB
        var second = SyntheticStudy.Phase(Phase.P, 128, 128, 20, seed: 65); // 640 KiB
        var stored = await server.UploadAsync(SyntheticStudy.Upload(first));
        await RpcAssert.FailsWith(StatusCode.ResourceExhausted, () => server.UploadAsync(SyntheticStudy.Upload(second)));
        Assert.Equal(first.Bytes.Length, server.MemoryUsedBytes);

        await server.Studies.DeleteStudyAsync(new DeleteStudyRequest { StudyId = stored.StudyId });
        Assert.False((await server.UploadAsync(SyntheticStudy.Upload(second))).AlreadyStored);
        Assert.Equal(second.Bytes.Length, server.MemoryUsedBytes);
    }
}
