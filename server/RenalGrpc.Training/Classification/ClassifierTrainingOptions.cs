namespace RenalGrpc.Training.Classification;

/// <summary>Settings of a stage-2 training run.</summary>
public sealed record ClassifierTrainingOptions
{
    public int Epochs { get; init; } = 40;
    public int BatchSize { get; init; } = 32;
    public double LearningRate { get; init; } = 1e-3;
    public double WeightDecay { get; init; } = 1e-4;
    public int Seed { get; init; }

    /// <summary>Probability that a training sample loses one contrast phase (replaced as at inference).</summary>
    public double PhaseDropout { get; init; } = 0.25;

    /// <summary>Where the training crops are cut: each phase's own grid (the paper) or the reference grid (as inference does).</summary>
    public ClassifierCropSource CropSource { get; init; } = ClassifierCropSource.PerPhase;

    /// <summary>
    /// Probability that a training crop is cut as if from a predicted mask: the mask grown or shrunk by
    /// a voxel and the box moved by up to a voxel (<see cref="CropJitter"/>).
    /// </summary>
    public double CropJitter { get; init; }

    /// <summary>Written into the checkpoint's crop options: inference (and validation here) also averages over flipped crops.</summary>
    public bool FlipAverage { get; init; }

    public void Validate()
    {
        if (Epochs < 1) throw new ArgumentException($"epochs must be at least 1, got {Epochs}");
        if (BatchSize < 2 || BatchSize > 1024) throw new ArgumentException($"batch size must be 2..1024, got {BatchSize}");
        if (!(LearningRate > 0 && LearningRate < 1)) throw new ArgumentException($"learning rate must be in (0, 1), got {LearningRate}");
        if (!(PhaseDropout >= 0 && PhaseDropout <= 1)) throw new ArgumentException($"phase dropout must be in [0, 1], got {PhaseDropout}");
        if (!(CropJitter >= 0 && CropJitter <= 1)) throw new ArgumentException($"crop jitter must be in [0, 1], got {CropJitter}");
    }
}
