using System.Diagnostics;
using RenalGrpc.Engine.Checkpoints;
using RenalGrpc.Engine.Model;
using RenalGrpc.Imaging;
using RenalGrpc.Training.Data;
using RenalGrpc.Training.Segmentation;
using static TorchSharp.torch;

namespace RenalGrpc.Training;

public enum TrainingStages { Segmentation, Classification, Both }

/// <summary>What `renal train` asks for.</summary>
public sealed record TrainingRequest
{
    public required string DataFolder { get; init; }
    public required string OutputFolder { get; init; }
    public TrainingStages Stages { get; init; } = TrainingStages.Both;
    public double ValidationFraction { get; init; } = 0.1;
    public int Seed { get; init; }
    public int Threads { get; init; } = Math.Max(1, Environment.ProcessorCount);
    public SegmentationTrainingOptions Segmentation { get; init; } = new();
    public Classification.ClassifierTrainingOptions Classification { get; init; } = new();

    /// <summary>
    /// Shape of a new stage-1 network. 8-16-32-64 features: a training step of 16-128 cost ~5 s on
    /// this 2-core CPU (about 150 GFLOP per batch of two 24x80x80 patches); this one ~4x less.
    /// </summary>
    public SegmentationUNetOptions SegmentationNetwork { get; init; } = new() { Features = new[] { 8, 16, 32, 64 } };

    /// <summary>Model name and version written into checkpoint.json.</summary>
    public string ModelName { get; init; } = "renal-phantom";

    /// <summary>Null: the starting checkpoint's version (training one stage must not relabel the other's), or <see cref="NewModelVersion"/>.</summary>
    public string? ModelVersion { get; init; }

    public const string NewModelVersion = "0.1.0";
}

/// <summary>
/// One training run: discovers the dataset, splits it (seeded), trains the requested stages,
/// measures validation metrics and writes the checkpoint folder. A checkpoint already in the output
/// folder is the starting point, so stages can be trained one after the other; resumable state
/// lives in OUTPUT/train-state.
/// </summary>
public static class TrainingRun
{
    public static CheckpointMetadata Execute(TrainingRequest request, Action<string> log, CancellationToken cancellationToken)
    {
        set_num_threads(request.Threads);
        manual_seed(request.Seed);
        var cases = TrainingDataset.Discover(request.DataFolder);
        var (train, validation) = TrainingDataset.Split(cases, request.ValidationFraction, request.Seed);
        log($"{cases.Count} cases: {train.Count} training, {validation.Count} validation (seed {request.Seed})");

        var metadataPath = Path.Combine(request.OutputFolder, ModelCheckpoint.MetadataFile);
        using var model = File.Exists(metadataPath)
            ? ModelCheckpoint.Load(request.OutputFolder)
            : new LoadedModel(new CheckpointMetadata
                {
                    Name = request.ModelName,
                    Version = request.ModelVersion ?? TrainingRequest.NewModelVersion,
                    // About the small phantom scans' own spacing: on 2 CPU cores a finer grid would
                    // cost ~3x per step for little gain on lesions of 1-8 cm.
                    SpacingMm = new[] { 2.5, 2.5, 5.0 },
                    TileShape = request.Segmentation.PatchShape,
                },
                new SegmentationUNet(request.SegmentationNetwork), new SubtypeClassifier(new SubtypeClassifierOptions()));
        var metadata = model.Metadata with { Name = request.ModelName, Version = request.ModelVersion ?? model.Metadata.Version };
        var metrics = new Dictionary<string, double>(metadata.ValidationMetrics);
        var stateFolder = Path.Combine(request.OutputFolder, "train-state");
        var spacing = new Vec3(metadata.SpacingMm[0], metadata.SpacingMm[1], metadata.SpacingMm[2]);
        int steps = metadata.Training.Steps;

        if (request.Stages is TrainingStages.Segmentation or TrainingStages.Both)
        {
            var clock = Stopwatch.StartNew();
            var phases = LoadPhases(train, spacing, metadata, log);
            log($"loaded {phases.Count} training phases at {spacing} mm in {clock.Elapsed.TotalSeconds:F0} s");
            var options = request.Segmentation with { Seed = request.Seed };
            new SegmentationTrainer(model.Segmentation, options, metadata.Normalization.Lowest)
                .Run(phases, stateFolder, p => log(p.ToString()), cancellationToken);
            steps = options.Steps;
            phases.Clear();
            GC.Collect();
            if (validation.Count > 0)
            {
                // At most ten cases: sliding-window inference on every phase costs seconds each on a CPU.
                var validationPhases = LoadPhases(validation.Take(10).ToArray(), spacing, metadata, log);
                foreach (var (key, value) in SegmentationValidation.Measure(model.Segmentation, validationPhases, metadata)) metrics[key] = value;
                log($"validation: {string.Join(", ", metrics.Select(m => $"{m.Key} {m.Value:F3}"))}");
            }
        }
        var classifier = model.Classifier;
        var additionalClassifiers = model.AdditionalClassifiers;
        if (request.Stages is TrainingStages.Classification or TrainingStages.Both)
        {
            // Always a fresh network of the current shape: the classifier trains from scratch in minutes.
            classifier = new SubtypeClassifier(new SubtypeClassifierOptions());
            additionalClassifiers = Array.Empty<SubtypeClassifier>(); // a new classifier replaces an ensemble: its members were not trained with it
            metadata = metadata with
            {
                ClassifierCrop = metadata.ClassifierCrop with { FlipAverage = request.Classification.FlipAverage, JitterAverage = request.Classification.JitterAverage },
                ClassifierMinPhases = Classification.ClassifierTraining.FewestPhasesTrained(
                    train.Where(c => c.Subtype is not null).Select(c => c.Phases.Count), request.Classification),
            };
            foreach (var (key, value) in Classification.ClassifierTraining.Run(classifier, train, validation, metadata,
                         request.Classification with { Seed = request.Seed }, stateFolder, log, cancellationToken))
                metrics[key] = value;
        }

        var description = new TrainingDescription
        {
            DataDescription = $"{cases.Count} cases from {Path.GetFileName(Path.GetFullPath(request.DataFolder))} ({train.Count} train / {validation.Count} validation)",
            Seed = request.Seed,
            Steps = steps,
            Notes = "trained by `renal train`; synthetic data, not for clinical use",
        };
        // One stage trained on an existing checkpoint: the other stage's description is kept, not overwritten.
        var (stage1Description, classifierDescription) = request.Stages switch
        {
            TrainingStages.Both => (description, (TrainingDescription?)null),
            TrainingStages.Segmentation => (description, metadata.ClassifierTraining ?? (File.Exists(metadataPath) ? metadata.Training : null)),
            _ => (metadata.Training, description with
            {
                Steps = request.Classification.Epochs,
                Notes = $"trained by `renal train --stage cls`: {request.Classification.Epochs} epochs (steps count epochs), " +
                        $"{request.Classification.CropSource} crops, crop jitter {request.Classification.CropJitter}, flip average {request.Classification.FlipAverage}, " +
                        $"jitter average {request.Classification.JitterAverage}, " +
                        $"phase dropout {request.Classification.PhaseDropout} ({(request.Classification.MinPhasesAfterDropout is { } least ? $"down to {least} phase(s)" : "one phase")}); synthetic data, not for clinical use",
            }),
        };
        // Undefined metrics (an AUC for a class absent from a small validation split) are left out: JSON has no NaN.
        var defined = metrics.Where(m => double.IsFinite(m.Value)).ToDictionary(m => m.Key, m => m.Value);
        return ModelCheckpoint.Save(request.OutputFolder, metadata with { Training = stage1Description, ClassifierTraining = classifierDescription, ValidationMetrics = defined },
            model.Segmentation, classifier, model.Refinement, additionalClassifiers);
    }

    private static List<ModelGridPhase> LoadPhases(IReadOnlyList<TrainingCase> cases, Vec3 spacing, CheckpointMetadata metadata, Action<string> log)
    {
        var withTruth = cases.SelectMany(c => c.Phases.Where(p => p.LabelsPath is not null).Select(p => (c.Id, p))).ToArray();
        var loaded = new ModelGridPhase[withTruth.Length];
        Parallel.For(0, withTruth.Length, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount },
            n => loaded[n] = ModelGridPhase.Load(withTruth[n].Id, withTruth[n].p, spacing, metadata.Normalization));
        if (loaded.Length == 0) throw new ImagingException("no case has ground truth to train segmentation on");
        return loaded.ToList();
    }
}
