using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.DependencyInjection;
using RenalGrpc.Server.Analysis;
using RenalGrpc.Server.Hosting;
using RenalGrpc.Serving;
using RenalGrpc.V1;

namespace RenalGrpc.Server.Tests.Support;

/// <summary>The real server (Kestrel on a free loopback port) started in-process, with a channel to it.</summary>
public sealed class RunningServer : IAsyncDisposable
{
    private RunningServer(RenalServerHost host, GrpcChannel channel)
    {
        Host = host;
        Channel = channel;
        Studies = new StudyService.StudyServiceClient(channel);
        Info = new InfoService.InfoServiceClient(channel);
        Analysis = new AnalysisService.AnalysisServiceClient(channel);
    }

    public RenalServerHost Host { get; }
    public GrpcChannel Channel { get; }
    public StudyService.StudyServiceClient Studies { get; }
    public InfoService.InfoServiceClient Info { get; }
    public AnalysisService.AnalysisServiceClient Analysis { get; }
    public long MemoryUsedBytes => Host.Store.MemoryUsedBytes;

    /// <summary>A folder that never exists: tests that are not about the model must not load whatever models/default holds.</summary>
    public static readonly string NoModel = Path.Combine(Path.GetTempPath(), "renal-tests-no-model-here");

    public static async Task<RunningServer> StartAsync(params string[] extraArgs)
    {
        string[] model = extraArgs.Contains("--model") ? [] : ["--model", NoModel];
        var host = await RenalServerHost.StartAsync(["--port", "0", .. model, .. extraArgs], logging => logging.SetMinimumLevel(LogLevel.Warning));
        var server = new RunningServer(host, CreateChannel(host.Address));
        await server.WaitForModelAsync();
        return server;
    }

    /// <summary>The server with the fake engine; returns once the model is loaded (health SERVING).</summary>
    public static async Task<RunningServer> StartWithAnalyzerAsync(FakeStudyAnalyzer analyzer, params string[] extraArgs)
    {
        var host = await RenalServerHost.StartAsync(["--port", "0", .. extraArgs], logging => logging.SetMinimumLevel(LogLevel.Warning),
            services => services.AddSingleton<IAnalyzerLoader>(new FakeAnalyzerLoader(analyzer)));
        var server = new RunningServer(host, CreateChannel(host.Address));
        await server.WaitForModelAsync();
        return server;
    }

    public InferenceWorker Worker => Host.App.Services.GetRequiredService<InferenceWorker>();

    /// <summary>Waits until the background load has succeeded or failed.</summary>
    public async Task WaitForModelAsync() =>
        Assert.True(await EventuallyAsync(() => Worker.Status.State != ModelState.Loading), "the model load did not finish");

    public static GrpcChannel CreateChannel(string address, HttpMessageHandler? handler = null) =>
        GrpcChannel.ForAddress(address, new GrpcChannelOptions
        {
            HttpHandler = handler ?? new SocketsHttpHandler(),
            MaxReceiveMessageSize = 8 * 1024 * 1024,
        });

    /// <summary>
    /// Sends the messages and returns the server's answer. The server may fail the call while we
    /// are still writing; the write then throws, and the real status comes from the response.
    /// </summary>
    public static async Task<UploadStudyResponse> UploadAsync(StudyService.StudyServiceClient client, IEnumerable<UploadStudyRequest> messages, Metadata? headers = null)
    {
        using var call = client.UploadStudy(headers);
        try
        {
            foreach (var message in messages)
            {
                await call.RequestStream.WriteAsync(message);
            }

            await call.RequestStream.CompleteAsync();
        }
        catch (Exception e) when (e is RpcException or InvalidOperationException or IOException)
        {
            // the server has answered already; its status is in ResponseAsync
        }

        return await call.ResponseAsync;
    }

    public Task<UploadStudyResponse> UploadAsync(IEnumerable<UploadStudyRequest> messages) => UploadAsync(Studies, messages);

    /// <summary>Waits (bounded) for a condition the server reaches asynchronously, e.g. after a cancelled call.</summary>
    public static async Task<bool> EventuallyAsync(Func<bool> condition, int timeoutMs = 5000)
    {
        for (var waited = 0; waited < timeoutMs; waited += 20)
        {
            if (condition())
            {
                return true;
            }

            await Task.Delay(20);
        }

        return condition();
    }

    public async ValueTask DisposeAsync()
    {
        Channel.Dispose();
        await Host.DisposeAsync();
    }
}
