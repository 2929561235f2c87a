using RenalGrpc.Training;
using RenalGrpc.Training.Classification;
using RenalGrpc.Training.Segmentation;

namespace RenalGrpc.Cli;

/// <summary>`renal train`: trains the segmentation and/or subtype stage from a dataset folder into a checkpoint folder.</summary>
internal sealed class TrainCommand : ICliCommand
{
    /// <summary>Segmentation "epochs" are fixed blocks of steps (patch-based training has no natural epoch).</summary>
    public const int SegmentationStepsPerEpoch = 100;

    public string Name => "train";
    public string Summary => "train the model (segmentation and/or subtype stage) on a dataset folder";
    public string Usage => $"""
        usage: renal train --data DIR --out MODEL [--stage seg|cls|both] [--epochs N] [--seg-epochs N] [--cls-epochs N]
                           [--val-fraction F] [--seed S] [--threads N] [--batch-size N] [--version V]
                           [--cls-crops per-phase|reference] [--cls-crop-jitter F] [--cls-flip-average] [--cls-jitter-average]
                           [--cls-phase-dropout F] [--cls-min-phases K]
          --data DIR        dataset in the DATASET.md layout (renal phantom) or the KiTS23 layout
          --out MODEL       checkpoint folder; an existing checkpoint there is the starting point, and
                            OUT/train-state holds resumable state (rerun the same command to resume)
          --stage           seg, cls or both (default both)
          --epochs N        epochs for the stages trained (segmentation: {SegmentationStepsPerEpoch} patch steps per epoch;
                            classification: one pass over the training lesions); --seg-epochs / --cls-epochs set one stage
          --val-fraction F  share of cases held out for validation metrics (default 0.1)
          --seed S          seed of the split, initialisation and every random draw (default 0)
          --threads N       CPU threads for TorchSharp (default: all cores)
          --cls-crops       where the classifier's training crops are cut: per-phase (each phase's own grid and
                            truth, as the paper trained; default) or reference (every phase moved onto the
                            reference phase's grid and cut on its largest lesion slice, as inference cuts them)
          --cls-crop-jitter F  share of classifier training crops cut as from a predicted mask: mask grown or
                            shrunk by a voxel, box moved by up to a voxel (default 0)
          --cls-phase-dropout F  share of classifier training samples that lose phases (default 0.25)
          --cls-min-phases K  fewest phases such a sample keeps, drawn from K to one fewer than the case has
                            (1, 2 or 3; default: exactly one phase dropped). 1 teaches single-scan studies
          --cls-flip-average  the classifier's softmax is also averaged over its crops flipped along rows,
                            columns and both (stored in the checkpoint; validation uses it too)
          --cls-jitter-average  ... and over every crop-jitter draw (mask grown or shrunk by a voxel, box moved
                            by a voxel: 27 crops; stored in the checkpoint, as the default model has it since 0.4.5)
          --version V       model version written into checkpoint.json (default: the starting
                            checkpoint's, or 0.1.0 for a new model)
        """;
    public IReadOnlySet<string> Switches { get; } = new HashSet<string> { "--cls-flip-average", "--cls-jitter-average" };

    public Task<int> RunAsync(CliArguments args, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken)
    {
        var stages = args.Value("--stage") switch
        {
            null or "both" => TrainingStages.Both,
            "seg" => TrainingStages.Segmentation,
            "cls" => TrainingStages.Classification,
            var other => throw new CliUsageException($"--stage must be seg, cls or both, got '{other}'"),
        };
        var segDefaults = new SegmentationTrainingOptions();
        var clsDefaults = new ClassifierTrainingOptions();
        int epochs = args.IntValue("--epochs", 0, 1, 100_000);
        int segEpochs = args.IntValue("--seg-epochs", epochs > 0 ? epochs : segDefaults.Steps / SegmentationStepsPerEpoch, 1, 100_000);
        int clsEpochs = args.IntValue("--cls-epochs", epochs > 0 ? epochs : clsDefaults.Epochs, 1, 100_000);
        var request = new TrainingRequest
        {
            DataFolder = args.Required("--data"),
            OutputFolder = args.Required("--out"),
            Stages = stages,
            ValidationFraction = args.DoubleValue("--val-fraction", 0.1, 0, 0.9),
            Seed = args.IntValue("--seed", 0),
            Threads = args.IntValue("--threads", Environment.ProcessorCount, 1, 256),
            Segmentation = segDefaults with
            {
                Steps = segEpochs * SegmentationStepsPerEpoch,
                BatchSize = args.IntValue("--batch-size", segDefaults.BatchSize, 1, 64),
            },
            Classification = clsDefaults with
            {
                Epochs = clsEpochs,
                CropJitter = args.DoubleValue("--cls-crop-jitter", 0, 0, 1),
                PhaseDropout = args.DoubleValue("--cls-phase-dropout", clsDefaults.PhaseDropout, 0, 1),
                MinPhasesAfterDropout = args.Value("--cls-min-phases") is null ? null : args.IntValue("--cls-min-phases", 0, 1, 3),
                FlipAverage = args.Flag("--cls-flip-average"),
                JitterAverage = args.Flag("--cls-jitter-average"),
                CropSource = args.Value("--cls-crops") switch
                {
                    null or "per-phase" => ClassifierCropSource.PerPhase,
                    "reference" => ClassifierCropSource.Reference,
                    var other => throw new CliUsageException($"--cls-crops must be per-phase or reference, got '{other}'"),
                },
            },
            ModelVersion = args.Value("--version"),
        };
        args.EnsureAllConsumed(maxPositionals: 0);
        var metadata = TrainingRun.Execute(request, line => stdout.WriteLine(line), cancellationToken);
        stdout.WriteLine($"wrote {request.OutputFolder} ({metadata.Name} {metadata.Version}); validation: " +
            string.Join(", ", metadata.ValidationMetrics.Select(m => $"{m.Key} {m.Value:F3}")));
        return Task.FromResult(ExitCodes.Success);
    }
}
