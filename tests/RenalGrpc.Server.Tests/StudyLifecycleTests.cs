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

    [Fact]
    public async Task PerStudyCapRefusesALargeStudyEvenWithBudgetFree()
    {
        await using var server = await RunningServer.StartAsync("--memory-budget-mb", "8", "--max-study-mb", "1");
        var info = await server.Info.GetServerInfoAsync(new GetServerInfoRequest());
        Assert.Equal(1UL << 20, info.Limits.MaxStudyBytes);
        Assert.Equal(8UL << 20, info.Limits.MemoryBudgetBytes);

        var tooBig = SyntheticStudy.Phase(Phase.P, 128, 128, 40, seed: 66); // 1.25 MiB
        var e = await RpcAssert.FailsWith(StatusCode.ResourceExhausted, () => server.UploadAsync(SyntheticStudy.Upload(tooBig)));
        Assert.Equal("max_study_bytes", Assert.Single(e.GetRpcStatus()!.GetDetail<QuotaFailure>().Violations).Subject);
        Assert.Equal("max_study_bytes", RpcAssert.ViolatedField(e));
        Assert.Equal("STUDY_TOO_LARGE", RpcAssert.Reason(e));
        Assert.Equal(0, server.MemoryUsedBytes);

        // Two phases of 640 KiB: each fits, the study (1.25 MiB) does not.
        var n = SyntheticStudy.Phase(Phase.N, 128, 128, 20, seed: 67);
        var p = SyntheticStudy.Phase(Phase.P, 128, 128, 20, seed: 68);
        await RpcAssert.FailsWith(StatusCode.ResourceExhausted, () => server.UploadAsync(SyntheticStudy.Upload(n, p)));
        Assert.False((await server.UploadAsync(SyntheticStudy.Upload(n))).AlreadyStored);
        Assert.False((await server.UploadAsync(SyntheticStudy.Upload(p))).AlreadyStored);
    }

    [Fact]
    public async Task PerStudyCapAboveTheBudgetStopsTheServerAtStart()
    {
        var e = await Assert.ThrowsAsync<Microsoft.Extensions.Options.OptionsValidationException>(
            () => RunningServer.StartAsync("--memory-budget-mb", "4", "--max-study-mb", "5"));
        Assert.Contains("--max-study-mb", e.Message);
    }

    [Theory]
    [InlineData("7")]
    [InlineData("fp16")]
    public async Task UnknownPrecisionStopsTheServerAtStart(string value)
    {
        var e = await Assert.ThrowsAnyAsync<Exception>(() => RunningServer.StartAsync("--precision", value));
        Assert.Contains("recision", e.ToString());
    }

    [Fact]
    public async Task Float32PrecisionIsAccepted()
    {
        await using var server = await RunningServer.StartAsync("--precision", "Float32");
        var n = SyntheticStudy.Phase(Phase.N, 16, 16, 4, seed: 70);
        Assert.False((await server.UploadAsync(SyntheticStudy.Upload(n))).AlreadyStored);
    }
}
