using System.Security.Cryptography;
using RenalGrpc.Engine.Analysis;
using RenalGrpc.Engine.Checkpoints;
using RenalGrpc.Engine.Inference;

namespace RenalGrpc.Serving;

/// <summary>
/// The default loader: a checkpoint folder written by `renal train` (checkpoint.json plus weights).
/// Its metadata is read and checked strictly, so a missing or corrupt checkpoint is reported with
/// its reason.
/// </summary>
/// <param name="precision">Number format of stage 1's forward passes (<see cref="StudyAnalyzerSettings.Precision"/>).</param>
/// <param name="settings">The other pipeline tunables; defaults when null.</param>
public sealed class CheckpointAnalyzerLoader(InferencePrecision precision = InferencePrecision.Auto, StudyAnalyzerSettings? settings = null) : IAnalyzerLoader
{
    /// <summary>What every loaded analyzer runs with.</summary>
    public StudyAnalyzerSettings Settings { get; } = (settings ?? new StudyAnalyzerSettings()) with { Precision = precision };

    /// <summary>The same loader with stage 1 on every phase's whole field of view (no body crop, no kidney search region).</summary>
    public CheckpointAnalyzerLoader WithWholeField() =>
        new(precision, Settings with { BodyCrop = null, KidneySearchMarginMm = null });

    public LoadedAnalyzer Load(string modelPath, CancellationToken cancellationToken)
    {
        CheckpointMetadata metadata;
        try
        {
            metadata = ModelCheckpoint.ReadMetadata(modelPath);
        }
        catch (ModelCheckpointException e)
        {
            throw new ModelLoadException($"model checkpoint {e.Path}: {e.Problem}", e);
        }

        cancellationToken.ThrowIfCancellationRequested();
        try
        {
            return new LoadedAnalyzer(StudyAnalyzer.Load(modelPath, Settings), IdentityOf(modelPath, metadata));
        }
        catch (ModelCheckpointException e)
        {
            throw new ModelLoadException($"model checkpoint {e.Path}: {e.Problem}", e);
        }
    }

    /// <summary>Name, version and training data from the metadata; the hash is of checkpoint.json, which records every weight file's SHA-256.</summary>
    public static ModelIdentity IdentityOf(string folder, CheckpointMetadata metadata)
    {
        using var stream = File.OpenRead(Path.Combine(folder, ModelCheckpoint.MetadataFile));
        return new ModelIdentity(metadata.Name, metadata.Version, Convert.ToHexStringLower(SHA256.HashData(stream)), metadata.Training.DataDescription);
    }
}
