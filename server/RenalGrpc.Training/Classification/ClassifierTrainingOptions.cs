namespace RenalGrpc.Training.Classification;

/// <summary>Settings of a stage-2 training run.</summary>
public sealed record ClassifierTrainingOptions
{
    public int Epochs { get; init; } = 40;
    public int BatchSize { get; init; } = 32;
    public double LearningRate { get; init; } = 1e-3;
    public double WeightDecay { get; init; } = 1e-4;
    public int Seed { get; init; }

    /// <summary>Probability that a training sample loses phases (replaced as at inference: <see cref="RenalGrpc.Engine.Classification.PhaseTriplets"/>).</summary>
    public double PhaseDropout { get; init; } = 0.25;

    /// <summary>
    /// Fewest phases a dropped-out sample keeps: its number of phases is drawn uniformly from this to
    /// one less than the case has, then which ones uniformly. Null = exactly one phase is dropped (the
    /// rule every classifier up to 0.4.4 was trained with, kept so their commands repeat exactly).
    /// 1 teaches the single-phase stand-ins ((P, P, P), (N, N, N)) a study of one scan gets.
    /// </summary>
    public int? MinPhasesAfterDropout { get; init; }

    /// <summary>Where the training crops are cut: each phase's own grid (the paper) or the reference grid (as inference does).</summary>
    public ClassifierCropSource CropSource { get; init; } = ClassifierCropSource.PerPhase;

    /// <summary>
    /// Probability that a training crop is cut as if from a predicted mask: the mask grown or shrunk by
    /// a voxel and the box moved by up to a voxel (<see cref="CropJitter"/>).
    /// </summary>
    public double CropJitter { get; init; }

    /// <summary>Written into the checkpoint's crop options: inference (and validation here) also averages over flipped crops.</summary>
    public bool FlipAverage { get; init; }

    /// <summary>Written into the checkpoint's crop options: inference (and validation here) also averages over every crop-jitter draw (<see cref="CropOptions.JitterAverage"/>).</summary>
    public bool JitterAverage { get; init; }

    public void Validate()
    {
        if (Epochs < 1) throw new ArgumentException($"epochs must be at least 1, got {Epochs}");
        if (BatchSize < 2 || BatchSize > 1024) throw new ArgumentException($"batch size must be 2..1024, got {BatchSize}");
        if (!(LearningRate > 0 && LearningRate < 1)) throw new ArgumentException($"learning rate must be in (0, 1), got {LearningRate}");
        if (!(PhaseDropout >= 0 && PhaseDropout <= 1)) throw new ArgumentException($"phase dropout must be in [0, 1], got {PhaseDropout}");
        if (!(CropJitter >= 0 && CropJitter <= 1)) throw new ArgumentException($"crop jitter must be in [0, 1], got {CropJitter}");
        if (MinPhasesAfterDropout is < 1 or > 3) throw new ArgumentException($"the fewest phases kept after dropout must be 1, 2 or 3, got {MinPhasesAfterDropout}");
    }
}
