using Grpc.Core;
using Grpc.Health.V1;
using RenalGrpc.Server.Tests.Support;
using RenalGrpc.V1;

namespace RenalGrpc.Server.Tests;

/// <summary>A missing or corrupt checkpoint keeps Analyze NOT_SERVING with the reason, everywhere a client can look.</summary>
public sealed class ModelLoadingTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("renal-model-tests-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    public static TheoryData<string, string> Checkpoints => new()
    {
        { "missing", "does not exist" },
        { "corrupt", "not valid checkpoint JSON" },
    };

    [Theory]
    [MemberData(nameof(Checkpoints))]
    public async Task BadCheckpointIsNotServingWithTheReason(string kind, string expectedReason)
    {
        var model = Path.Combine(_dir, "model");
        if (kind == "corrupt")
        {
            Directory.CreateDirectory(model);
            await File.WriteAllTextAsync(Path.Combine(model, "checkpoint.json"), "{ this is not json");
        }

        await using var server = await RunningServer.StartAsync("--model", model);

        var health = new Health.HealthClient(server.Channel);
        Assert.Equal(HealthCheckResponse.Types.ServingStatus.NotServing, (await health.CheckAsync(new HealthCheckRequest { Service = "renal.v1.AnalysisService" })).Status);
        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, (await health.CheckAsync(new HealthCheckRequest())).Status);
        var info = await server.Info.GetServerInfoAsync(new GetServerInfoRequest());
        Assert.False(info.Model.Loaded);
        Assert.Contains(expectedReason, info.Model.Status);

        var studyId = (await server.UploadAsync(SyntheticStudy.Upload(SyntheticStudy.Phase(Phase.P, seed: 11)))).StudyId;
        var refused = await RpcAssert.FailsWith(StatusCode.Unavailable, async () =>
        {
            using var call = server.Analysis.Analyze(new AnalyzeRequest { StudyId = studyId });
            await call.ResponseStream.MoveNext();
        });
        Assert.Equal("MODEL_NOT_LOADED", RpcAssert.Reason(refused));
        Assert.Contains(expectedReason, refused.Status.Detail);
    }
}
