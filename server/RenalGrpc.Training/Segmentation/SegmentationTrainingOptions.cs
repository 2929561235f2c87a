namespace RenalGrpc.Training.Segmentation;

/// <summary>Settings of a stage-1 training run; every default is what the shipped model used.</summary>
public sealed record SegmentationTrainingOptions
{
    public int Steps { get; init; } = 2000;
    public int BatchSize { get; init; } = 2;

    /// <summary>Patch (z, y, x) in model-grid voxels; multiples of the network's divisor.</summary>
    public int[] PatchShape { get; init; } = { 24, 80, 80 };
    public double LearningRate { get; init; } = 3e-3;
    public double WeightDecay { get; init; } = 1e-5;
    public int Seed { get; init; }

    /// <summary>Probability of each augmentation family per sample.</summary>
    public double RotationScaleProbability { get; init; } = 0.3;
    public double MaxRotationDegrees { get; init; } = 12;
    public double MaxScaleChange { get; init; } = 0.12;
    public double IntensityJitterProbability { get; init; } = 0.5;
    public double NoiseProbability { get; init; } = 0.3;

    /// <summary>Save resumable state every this many steps.</summary>
    public int SaveEvery { get; init; } = 100;
    public int LogEvery { get; init; } = 20;

    public void Validate()
    {
        if (Steps < 1) throw new ArgumentException($"steps must be at least 1, got {Steps}");
        if (BatchSize < 1 || BatchSize > 64) throw new ArgumentException($"batch size must be 1..64, got {BatchSize}");
        if (PatchShape.Length != 3 || PatchShape.Any(n => n < 8 || n > 512)) throw new ArgumentException("patch shape must be three sizes 8..512 (z, y, x)");
        if (!(LearningRate > 0 && LearningRate < 1)) throw new ArgumentException($"learning rate must be in (0, 1), got {LearningRate}");
        if (SaveEvery < 1 || LogEvery < 1) throw new ArgumentException("save and log intervals must be at least 1");
    }
}

/// <summary>One progress report of a training run.</summary>
public sealed record TrainingProgress(string Stage, int Step, int TotalSteps, double Loss, double SecondsPerStep, TimeSpan Eta, string Detail = "")
{
    public override string ToString() =>
        $"[{Stage}] step {Step}/{TotalSteps} loss {Loss:F4} {Detail} {SecondsPerStep:F2} s/step ETA {Eta:hh\\:mm\\:ss}";
}
