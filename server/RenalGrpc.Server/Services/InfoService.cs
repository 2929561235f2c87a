using System.Reflection;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using RenalGrpc.Imaging;
using RenalGrpc.Server.Analysis;
using RenalGrpc.Server.Hosting;
using RenalGrpc.Server.Storage;
using V1 = RenalGrpc.V1;

namespace RenalGrpc.Server.Services;

/// <summary>GetServerInfo: versions, model state, label table, subtypes and limits.</summary>
public sealed class InfoService(StudyStore store, BearerToken token, InferenceWorker worker) : V1.InfoService.InfoServiceBase
{
    public const int MaxReceiveMessageBytes = 4 * 1024 * 1024;

    public override Task<V1.ServerInfo> GetServerInfo(V1.GetServerInfoRequest request, ServerCallContext context) =>
        Task.FromResult(BuildInfo());

    private V1.ServerInfo BuildInfo() => new()
    {
        ServerVersion = ServerVersion,
        Model = MapToModelInfo(worker.Status),
        Device = "cpu",
        Labels = { KidneyLabels.All.OrderBy(l => l.Value).Select(MapToLabelInfo) },
        Subtypes = { RenalSubtypes.Names },
        PhasesSupported = { V1.Phase.N, V1.Phase.A, V1.Phase.P, V1.Phase.D },
        Limits = new V1.Limits
        {
            MaxVoxelsPerPhase = store.Options.MaxVoxelsPerPhase,
            MaxChunkBytes = StudyStoreOptions.MaxChunkBytes,
            MaxStudyBytes = (ulong)store.Options.StudyLimitBytes,
            MemoryBudgetBytes = (ulong)store.Options.MemoryBudgetBytes,
            StudyTtl = Duration.FromTimeSpan(store.Options.StudyTtl),
            MaxMessageBytes = MaxReceiveMessageBytes,
            AnalyzeQueueCapacity = (uint)worker.Capacity,
        },
        Compressions = { V1.Compression.None, V1.Compression.Zstd, V1.Compression.Lz4 },
        AuthRequired = token.Required,
    };

    private static V1.ModelInfo MapToModelInfo(ModelStatus status) => new()
    {
        Name = status.Identity?.Name ?? "",
        Version = status.Identity?.Version ?? "",
        Sha256 = status.Identity?.Sha256 ?? "",
        TrainingData = status.Identity?.TrainingData ?? "",
        Loaded = status.IsLoaded,
        Status = status.IsLoaded ? "" : status.Reason,
    };

    private static V1.LabelInfo MapToLabelInfo(LabelDefinition l) => new()
    {
        Value = (uint)l.Value,
        Name = l.Name,
        Red = l.Red,
        Green = l.Green,
        Blue = l.Blue,
        SnomedCtCode = l.SnomedCode,
        SnomedCtMeaning = l.SnomedMeaning,
        SnomedCtCategory = l.CategoryMeaning,
    };

    private static string ServerVersion { get; } =
        typeof(InfoService).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "0.0.0";
}
