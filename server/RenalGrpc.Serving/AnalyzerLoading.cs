using RenalGrpc.Engine.Analysis;

namespace RenalGrpc.Serving;

/// <summary>What a checkpoint says about itself, for GetServerInfo and the report.</summary>
public sealed record ModelIdentity(string Name, string Version, string Sha256, string TrainingData)
{
    /// <summary>"name version", what Diagnosis.model_version carries.</summary>
    public string DisplayVersion => string.IsNullOrEmpty(Version) ? Name : $"{Name} {Version}";
}

/// <summary>A loaded engine and the checkpoint it came from. Disposing frees the model's native memory.</summary>
public sealed class LoadedAnalyzer(IStudyAnalyzer analyzer, ModelIdentity identity) : IDisposable
{
    public IStudyAnalyzer Analyzer { get; } = analyzer;
    public ModelIdentity Identity { get; } = identity;

    public void Dispose() => (Analyzer as IDisposable)?.Dispose();
}

/// <summary>
/// Loads the diagnosis engine from a checkpoint (file or folder). The server calls it once at
/// start-up on its inference thread, `renal analyze --local` once per run; tests substitute a fake.
/// Throws <see cref="ModelLoadException"/> with a reason people can act on when the checkpoint
/// is missing, corrupt or incompatible.
/// </summary>
public interface IAnalyzerLoader
{
    LoadedAnalyzer Load(string modelPath, CancellationToken cancellationToken);
}

/// <summary>The checkpoint could not be used; Message is the reason shown in health and GetServerInfo.</summary>
public sealed class ModelLoadException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>Where the model comes from when no --model / RENAL_MODEL is given.</summary>
public static class ModelLocation
{
    /// <summary>models/default beside the running assembly (copied there by the server's build when the repository has one).</summary>
    public static string DefaultFolder => Path.Combine(AppContext.BaseDirectory, "models", "default");

    public static string Resolve(string? configured) =>
        string.IsNullOrWhiteSpace(configured) ? DefaultFolder : Path.GetFullPath(configured);
}
