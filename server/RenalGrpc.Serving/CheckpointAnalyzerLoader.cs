using System.Security.Cryptography;
using RenalGrpc.Engine.Checkpoints;

namespace RenalGrpc.Serving;

/// <summary>
/// The default loader: a checkpoint folder written by `renal train` (checkpoint.json plus weights).
/// Its metadata is read and checked strictly, so a missing or corrupt checkpoint is reported with
/// its reason.
/// </summary>
public sealed class CheckpointAnalyzerLoader : IAnalyzerLoader
{
    public const string EngineMissing = "the diagnosis engine (StudyAnalyzer) is not part of this build yet";

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
        _ = IdentityOf(modelPath, metadata);
        // MERGE: replace the next line with the real engine once StudyAnalyzer lands:
        //   var analyzer = StudyAnalyzer.Load(modelPath);   (wrap ModelCheckpointException as above)
        //   return new LoadedAnalyzer(analyzer, IdentityOf(modelPath, metadata));
        throw new ModelLoadException($"model checkpoint {modelPath}: {EngineMissing}");
    }

    /// <summary>Name, version and training data from the metadata; the hash is of checkpoint.json, which records every weight file's SHA-256.</summary>
    public static ModelIdentity IdentityOf(string folder, CheckpointMetadata metadata)
    {
        using var stream = File.OpenRead(Path.Combine(folder, ModelCheckpoint.MetadataFile));
        return new ModelIdentity(metadata.Name, metadata.Version, Convert.ToHexStringLower(SHA256.HashData(stream)), metadata.Training.DataDescription);
    }
}
