using RenalGrpc.Engine.Checkpoints;
using RenalGrpc.Engine.Model;

namespace RenalGrpc.Training;

/// <summary>What `renal import-seg` asks for.</summary>
public sealed record SegmentationImportRequest
{
    /// <summary>torch.save(net.state_dict(), path) of the same SegmentationUNet shape (training/pytorch/renal_unet.py).</summary>
    public required string StateDictPath { get; init; }
    public required string OutputFolder { get; init; }
    public SegmentationUNetOptions Network { get; init; } = new();

    /// <summary>Sliding-window tile (z, y, x); best the patch the network was trained on.</summary>
    public int[] TileShape { get; init; } = { 32, 128, 128 };
    public TrainingDescription Training { get; init; } = new();
    public string ModelName { get; init; } = "renal-phantom";

    /// <summary>
    /// Non-null: the state_dict is the multi-phase kidney-ROI network (its channels = the listed
    /// phases) and goes in beside the stage-1 network and classifier of the checkpoint already in
    /// the folder; <see cref="Network"/> and <see cref="TileShape"/> are then not used.
    /// </summary>
    public RoiRefinementOptions? Roi { get; init; }
    /// <summary>Null: the version of the checkpoint already in the folder, else <see cref="TrainingRequest.NewModelVersion"/> (as `renal train` does).</summary>
    public string? ModelVersion { get; init; }

    public void Validate()
    {
        if (Roi is not null)
        {
            Roi.Validate();
            return;
        }
        Network.Validate();
        var divisor = Network.RequiredDivisor();
        if (TileShape.Length != 3 || TileShape.Where((n, a) => n < divisor[a] || n % divisor[a] != 0).Any())
            throw new ArgumentException($"tile shape [{string.Join(", ", TileShape)}] must be three positive multiples of [{string.Join(", ", divisor)}] (z, y, x)");
    }
}

/// <summary>
/// Makes or updates a checkpoint whose stage-1 network comes from a PyTorch state_dict, e.g. one
/// trained on a GPU by training/pytorch/train_segmentation.py. The loading is strict
/// (<see cref="PyTorchWeightsImport"/>): a state_dict of another shape is refused and nothing is
/// written. The classifier of a checkpoint already in the folder is kept, because it reads crops
/// of the masks and not the network; otherwise a fresh one is written for `renal train --stage cls`.
/// </summary>
public static class SegmentationImport
{
    /// <summary>Validation metrics of the replaced network no longer describe the new one; the classifier's still do.</summary>
    private const string ClassifierMetricPrefix = "val_cls";

    public static CheckpointMetadata Execute(SegmentationImportRequest request, Action<string> log)
    {
        ArgumentNullException.ThrowIfNull(request);
        request.Validate();
        if (request.Roi is not null) return ExecuteRoi(request, request.Roi, log);
        using var segmentation = PyTorchWeightsImport.LoadStateDict(new SegmentationUNet(request.Network), request.StateDictPath);
        log($"read {segmentation.parameters().Sum(p => p.numel())} parameters from {Path.GetFileName(request.StateDictPath)}");

        var metadataPath = Path.Combine(request.OutputFolder, ModelCheckpoint.MetadataFile);
        using var existing = File.Exists(metadataPath) ? ModelCheckpoint.Load(request.OutputFolder) : null;
        var metadata = existing?.Metadata ?? new CheckpointMetadata();
        using var freshClassifier = existing is null ? new SubtypeClassifier(new SubtypeClassifierOptions()) : null;
        var classifier = existing?.Classifier ?? freshClassifier!;
        if (existing is not null) log($"keeping the classifier of the checkpoint in {request.OutputFolder}");

        metadata = metadata with
        {
            Name = request.ModelName,
            Version = request.ModelVersion ?? existing?.Metadata.Version ?? TrainingRequest.NewModelVersion,
            CreatedUtc = DateTimeOffset.UtcNow,
            TileShape = request.TileShape,
            Training = request.Training,
            ValidationMetrics = metadata.ValidationMetrics
                .Where(m => m.Key.StartsWith(ClassifierMetricPrefix, StringComparison.Ordinal))
                .ToDictionary(m => m.Key, m => m.Value),
        };
        return ModelCheckpoint.Save(request.OutputFolder, metadata, segmentation, classifier, existing?.Refinement, existing?.AdditionalClassifiers);
    }

    private static CheckpointMetadata ExecuteRoi(SegmentationImportRequest request, RoiRefinementOptions roi, Action<string> log)
    {
        if (!File.Exists(Path.Combine(request.OutputFolder, ModelCheckpoint.MetadataFile)))
            throw new ArgumentException($"{request.OutputFolder} holds no checkpoint: import stage 1 first, then the ROI network beside it");
        using var refinement = PyTorchWeightsImport.LoadStateDict(new SegmentationUNet(roi.Network), request.StateDictPath);
        log($"read {refinement.parameters().Sum(p => p.numel())} parameters of the kidney-ROI network from {Path.GetFileName(request.StateDictPath)}");
        using var existing = ModelCheckpoint.Load(request.OutputFolder);
        var metadata = existing.Metadata with
        {
            Name = request.ModelName,
            Version = request.ModelVersion ?? existing.Metadata.Version,
            CreatedUtc = DateTimeOffset.UtcNow,
            Refinement = roi with { Training = request.Training },
        };
        return ModelCheckpoint.Save(request.OutputFolder, metadata, existing.Segmentation, existing.Classifier, refinement, existing.AdditionalClassifiers);
    }
}
