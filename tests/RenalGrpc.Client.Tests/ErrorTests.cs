using Grpc.Core;
using RenalGrpc.Client.Testing;

namespace RenalGrpc.Client.Tests;

[Collection(ServerCollection.Name)]
public sealed class ErrorTests(ServerFixture fixture)
{
    [Fact]
    public async Task UnknownStudy_IsNotFound_WithTheServersReason()
    {
        using var client = fixture.CreateClient();

        var ex = await Assert.ThrowsAsync<RenalServerException>(() => client.GetStudyAsync("no-such-study"));

        Assert.Equal(StatusCode.NotFound, ex.StatusCode);
        Assert.False(string.IsNullOrEmpty(ex.Reason));
    }

    [Fact]
    public async Task StudyOverTheMemoryBudget_IsRefused_WithAFieldViolation()
    {
        using var small = await RenalServerProcess.StartAsync(ServerFixture.ServerDll, "--memory-budget-mb", "1");
        using var client = new RenalClient(new RenalClientOptions { Uri = small.Address });
        var phases = TestStudies.FourPhases(seed: 20, size: 128, slices: 20); // 4 x 655 kB

        var ex = await Assert.ThrowsAsync<RenalServerException>(() => client.UploadStudyAsync(phases));

        Assert.Equal(StatusCode.ResourceExhausted, ex.StatusCode);
        Assert.NotEmpty(ex.FieldViolations);
        Assert.All(ex.FieldViolations, v => Assert.False(string.IsNullOrEmpty(v.Description)));
        Assert.Contains(ex.FieldViolations[0].Field, ex.Describe());
        Assert.Empty((await client.ListStudiesAsync()).Studies);
    }

    [Fact]
    public async Task ExpiredDeadline_IsDeadlineExceeded_NotACancellation()
    {
        var options = new RenalClientOptions { Uri = fixture.Server.Address, DefaultDeadline = TimeSpan.FromTicks(1), MaxRetries = 3 };
        using var client = new RenalClient(options);

        var ex = await Assert.ThrowsAsync<RenalServerException>(() => client.ListStudiesAsync());

        Assert.Equal(StatusCode.DeadlineExceeded, ex.StatusCode);
    }

    [Fact]
    public async Task UnreachableServer_ThrowsRenalUnavailable_AfterRetries()
    {
        // Port 1 on loopback: nothing listens there, the connection is refused at once.
        var options = new RenalClientOptions { Uri = new Uri("http://127.0.0.1:1"), MaxRetries = 1, RetryBackoff = TimeSpan.FromMilliseconds(10) };
        using var client = new RenalClient(options);

        var info = await Assert.ThrowsAsync<RenalUnavailableException>(() => client.GetServerInfoAsync());
        await Assert.ThrowsAsync<RenalUnavailableException>(() => client.UploadStudyAsync(TestStudies.FourPhases(seed: 21)));

        Assert.Equal(options.Uri, info.Server);
    }

    [Fact]
    public async Task TokenServer_RefusesCallsWithoutTheToken_AndAcceptsThemWithIt()
    {
        using var guarded = await RenalServerProcess.StartAsync(ServerFixture.ServerDll, "--token", "s3cret-token");
        using var anonymous = new RenalClient(new RenalClientOptions { Uri = guarded.Address });
        using var wrong = new RenalClient(new RenalClientOptions { Uri = guarded.Address, Token = "guess" });
        using var authorised = new RenalClient(new RenalClientOptions { Uri = guarded.Address, Token = "s3cret-token" });

        var withoutToken = await Assert.ThrowsAsync<RenalServerException>(() => anonymous.ListStudiesAsync());
        var wrongToken = await Assert.ThrowsAsync<RenalServerException>(() => wrong.ListStudiesAsync());
        var upload = await authorised.UploadStudyAsync(TestStudies.FourPhases(seed: 22));
        var listing = await authorised.ListStudiesAsync();

        Assert.Equal(StatusCode.Unauthenticated, withoutToken.StatusCode);
        Assert.Equal(StatusCode.Unauthenticated, wrongToken.StatusCode);
        Assert.Contains(listing.Studies, s => s.StudyId == upload.StudyId);
        Assert.True((await authorised.GetServerInfoAsync()).AuthRequired);
    }
}
