using Grpc.Health.V1;
using Microsoft.AspNetCore.Connections;
using Grpc.HealthCheck;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Options;
using RenalGrpc.Server.Analysis;
using RenalGrpc.Server.Services;
using RenalGrpc.Server.Storage;
using RenalGrpc.Serving;

namespace RenalGrpc.Server.Hosting;

/// <summary>
/// Builds and starts the server: Kestrel (HTTP/2 only for cleartext, TLS optional), the renal.v1
/// services, grpc.health.v1 and reflection. Used by Program and by the tests (real Kestrel on loopback).
/// </summary>
public sealed class RenalServerHost : IAsyncDisposable
{
    private RenalServerHost(WebApplication app, string address)
    {
        App = app;
        Address = address;
    }

    public WebApplication App { get; }

    /// <summary>The address actually bound, e.g. "http://127.0.0.1:41234".</summary>
    public string Address { get; }

    public StudyStore Store => App.Services.GetRequiredService<StudyStore>();

    /// <param name="configureServices">Runs after the server's own registrations, so tests can replace
    /// e.g. the <see cref="IAnalyzerLoader"/> with a fake engine.</param>
    public static async Task<RenalServerHost> StartAsync(string[] args, Action<ILoggingBuilder>? configureLogging = null, Action<IServiceCollection>? configureServices = null)
    {
        var app = Build(args, configureLogging, configureServices);
        await app.StartAsync();
        var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses;
        return new RenalServerHost(app, addresses.First());
    }

    private static WebApplication Build(string[] args, Action<ILoggingBuilder>? configureLogging, Action<IServiceCollection>? configureServices)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { ContentRootPath = AppContext.BaseDirectory });
        builder.Configuration.AddEnvironmentVariables("RENAL_");
        builder.Configuration.AddCommandLine(args, RenalServerOptions.SwitchMappings);

        // stdout carries exactly one line (the address) for whoever started us; logs go to stderr.
        builder.Logging.ClearProviders();
        builder.Logging.AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace);
        configureLogging?.Invoke(builder.Logging);

        builder.Services.AddOptions<RenalServerOptions>()
            .Bind(builder.Configuration)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<RenalServerOptions>, RenalServerOptionsValidator>();
        builder.Services.AddOptions<Microsoft.AspNetCore.Server.Kestrel.Core.KestrelServerOptions>()
            .Configure<IOptions<RenalServerOptions>>((kestrel, options) => KestrelListening.Configure(kestrel, options.Value));

        // Kestrel's own pool has 4 KiB blocks: 64 KiB ones cut the receive cost of uploads (see the class).
        builder.Services.AddSingleton<IMemoryPoolFactory<byte>, LargeBlockMemoryPoolFactory>();
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton(sp => MapToStoreOptions(sp.GetRequiredService<IOptions<RenalServerOptions>>().Value));
        builder.Services.AddSingleton<StudyStore>();
        builder.Services.AddHostedService<StudyExpiryService>();
        builder.Services.AddSingleton(sp => new BearerToken(ReadToken(sp.GetRequiredService<IOptions<RenalServerOptions>>().Value)));
        builder.Services.AddSingleton(CreateHealth());
        builder.Services.AddSingleton<IAnalyzerLoader>(sp => new CheckpointAnalyzerLoader(sp.GetRequiredService<IOptions<RenalServerOptions>>().Value.Precision));
        builder.Services.AddSingleton<InferenceWorker>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<InferenceWorker>());
        configureServices?.Invoke(builder.Services);

        builder.Services.AddGrpc(o =>
        {
            o.MaxReceiveMessageSize = InfoService.MaxReceiveMessageBytes;
            o.MaxSendMessageSize = null;
            o.EnableDetailedErrors = false;
            o.Interceptors.Add<ErrorMappingInterceptor>();
            o.Interceptors.Add<BearerTokenInterceptor>();
        });
        builder.Services.AddGrpcReflection();

        var app = builder.Build();
        app.MapGrpcService<InfoService>();
        app.MapGrpcService<StudyService>();
        app.MapGrpcService<StudyUploadService>();
        app.MapGrpcService<AnalysisService>();
        app.MapGrpcService<HealthServiceImpl>();
        app.MapGrpcReflectionService();
        return app;
    }

    private static HealthServiceImpl CreateHealth()
    {
        var health = new HealthServiceImpl();
        health.SetStatus("", HealthCheckResponse.Types.ServingStatus.Serving);
        health.SetStatus("renal.v1.InfoService", HealthCheckResponse.Types.ServingStatus.Serving);
        health.SetStatus("renal.v1.StudyService", HealthCheckResponse.Types.ServingStatus.Serving);
        // Until the inference worker has loaded the model, Analyze cannot serve.
        health.SetStatus("renal.v1.AnalysisService", HealthCheckResponse.Types.ServingStatus.NotServing);
        return health;
    }

    private static StudyStoreOptions MapToStoreOptions(RenalServerOptions o) =>
        new(TimeSpan.FromSeconds(o.StudyTtlSeconds), o.MemoryBudgetMb * 1024 * 1024, o.MaxVoxelsPerPhase, o.MaxStudyMb * 1024 * 1024);

    private static string? ReadToken(RenalServerOptions o) =>
        o.TokenFile is not null ? File.ReadAllText(o.TokenFile).Trim() : o.Token;

    public async ValueTask DisposeAsync()
    {
        await App.StopAsync();
        await App.DisposeAsync();
    }
}
