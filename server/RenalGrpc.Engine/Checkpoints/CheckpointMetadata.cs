using RenalGrpc.Engine.Classification;
using RenalGrpc.Engine.Model;
using RenalGrpc.Engine.Preprocessing;

namespace RenalGrpc.Engine.Checkpoints;

public sealed record LabelEntry(int Value, string Name);

/// <summary>How the weights were made, so a result can be traced back to its data and seed.</summary>
public sealed record TrainingDescription
{
    public string DataDescription { get; init; } = "";
    public int Seed { get; init; }
    public int Steps { get; init; }
    public string Notes { get; init; } = "";
}

/// <summary>One weights file of the checkpoint folder and its SHA-256 (lower-case hex).</summary>
public sealed record WeightsFile(string Stage, string File, string Sha256, long Bytes);

/// <summary>
/// Everything a server needs to run the model and to tell clients what it runs: stored as
/// checkpoint.json beside the weights files.
/// </summary>
public sealed record CheckpointMetadata
{
    public const string FormatName = "renalgrpc-checkpoint";
    /// <summary>
    /// 2 = a checkpoint with several classifier members; 1 = one classifier, written whenever that is
    /// all a checkpoint holds, so builds from before ensembles still read it. A build that knew only
    /// format 1 would skip classifierMembers and silently run the first member alone: format 2 makes
    /// it refuse instead.
    /// </summary>
    public const int CurrentFormatVersion = 2;
    public const int SingleClassifierFormatVersion = 1;

    public string Format { get; init; } = FormatName;
    public int FormatVersion { get; init; } = CurrentFormatVersion;
    public string Name { get; init; } = "";
    public string Version { get; init; } = "";
    public DateTimeOffset CreatedUtc { get; init; } = DateTimeOffset.UtcNow;

    /// <summary>Segmentation label values and names; the index of an entry is the network's output channel.</summary>
    public IReadOnlyList<LabelEntry> Labels { get; init; } =
        ModelClasses.SegmentationLabels.Select((name, value) => new LabelEntry(value, name)).ToArray();
    public IReadOnlyList<string> Subtypes { get; init; } = ModelClasses.Subtypes;
    public IReadOnlyList<string> Phases { get; init; } = ModelClasses.Phases;

    /// <summary>Model spacing (i, j, k) in mm: coarse enough for CPU inference of a whole abdomen.</summary>
    public IReadOnlyList<double> SpacingMm { get; init; } = new[] { 2.5, 2.5, 5.0 };
    public IntensityNormalization Normalization { get; init; } = IntensityNormalization.Paper;
    public SegmentationUNetOptions Segmentation { get; init; } = new();
    public SubtypeClassifierOptions Classifier { get; init; } = new();

    /// <summary>
    /// How many classifiers of the <see cref="Classifier"/> shape vote (their softmax is averaged):
    /// 1 = classifier.bin alone; members 2..n are classifier-2.bin .. classifier-n.bin, networks
    /// trained apart (e.g. other seeds and splits, as nnU-Net ensembles its folds).
    /// </summary>
    public int ClassifierMembers { get; init; } = 1;
    public const int MaxClassifierMembers = 8;

    /// <summary>The optional multi-phase kidney-ROI stage (refinement.bin); null when the checkpoint has none.</summary>
    public RoiRefinementOptions? Refinement { get; init; }

    /// <summary>How the classifier's lesion crops are cut (training and inference must agree).</summary>
    public CropOptions ClassifierCrop { get; init; } = new();

    /// <summary>
    /// The fewest phases the classifier saw a lesion through in training (after its phase dropout).
    /// A lesion classified from fewer is answered with a warning: the classifier reads enhancement
    /// between phases, and a single phase stands in for the missing ones as if they did not enhance.
    /// Null = not recorded (checkpoints written before session 23; the default 0.4.4 says 3): no such warning.
    /// </summary>
    public int? ClassifierMinPhases { get; init; }

    /// <summary>Tile (z, y, x) the segmentation network was trained and is run with.</summary>
    public IReadOnlyList<int> TileShape { get; init; } = new[] { 32, 96, 96 };

    /// <summary>
    /// Sliding-window step as a fraction of <see cref="TileShape"/>: 0.5 is nnU-Net's half-tile
    /// overlap, 0.75 MONAI's default quarter overlap (fewer tiles). Part of the model because the
    /// held-out figures in its model card were measured with it.
    /// </summary>
    public double TileStep { get; init; } = 0.5;

    /// <summary>
    /// Stage 1 smooths a phase finer than the model spacing over a model voxel's footprint before resampling
    /// it (<see cref="Preprocessing.PhasePreprocessor"/>). Off: plain trilinear resampling, as up to 0.4.4.
    /// </summary>
    public bool AntiAliasing { get; init; }

    public TrainingDescription Training { get; init; } = new();

    /// <summary>
    /// How the subtype classifier was trained when it was trained apart from stage 1 (`renal train
    /// --stage cls` on an existing checkpoint); null when <see cref="Training"/> covers both stages.
    /// </summary>
    public TrainingDescription? ClassifierTraining { get; init; }
    public IReadOnlyDictionary<string, double> ValidationMetrics { get; init; } = new Dictionary<string, double>();
    public IReadOnlyList<WeightsFile> Weights { get; init; } = Array.Empty<WeightsFile>();

    /// <summary>The first inconsistency found, or null when the metadata is usable.</summary>
    public string? Problem()
    {
        if (Format != FormatName) return $"format is '{Format}', expected '{FormatName}'";
        if (FormatVersion is < SingleClassifierFormatVersion or > CurrentFormatVersion)
            return $"format version {FormatVersion} is not supported (this build reads {SingleClassifierFormatVersion} to {CurrentFormatVersion})";
        if (FormatVersion == SingleClassifierFormatVersion && ClassifierMembers != 1) return $"format version 1 holds one classifier, not {ClassifierMembers}";
        if (string.IsNullOrWhiteSpace(Name) || string.IsNullOrWhiteSpace(Version)) return "name and version must be set";
        if (Labels is null || Labels.Count != Segmentation?.Classes) return $"{Labels?.Count} labels listed for a network with {Segmentation?.Classes} classes";
        if (Subtypes is null || Subtypes.Count != Classifier?.Classes) return $"{Subtypes?.Count} subtypes listed for a classifier with {Classifier?.Classes} classes";
        if (ClassifierMembers is < 1 or > MaxClassifierMembers) return $"{ClassifierMembers} classifier members: 1 to {MaxClassifierMembers} are allowed";
        if (ClassifierMinPhases is < 1 or > 4) return $"classifierMinPhases is {ClassifierMinPhases}: 1 to 4 phases";
        if (Phases is null || Phases.Count == 0) return "no phases listed";
        if (Refinement is not null && Refinement.Network?.Classes != Labels.Count) return $"the ROI network has {Refinement.Network?.Classes} classes for {Labels.Count} labels";
        if (SpacingMm is null || SpacingMm.Count != 3 || SpacingMm.Any(s => !(s > 0) || !double.IsFinite(s))) return "spacing must be three positive numbers (mm)";
        if (TileShape is null || TileShape.Count != 3 || TileShape.Any(n => n < 1)) return "tile shape must be three positive sizes";
        if (!(TileStep > 0 && TileStep <= 1)) return $"tile step {TileStep} must be in (0, 1] of a tile";
        try
        {
            Normalization.Validate();
            Segmentation.Validate();
            Classifier.Validate();
            ClassifierCrop.Validate();
            Refinement?.Validate();
        }
        catch (Exception e) when (e is ArgumentException or NullReferenceException)
        {
            return e.Message;
        }
        return null;
    }
}
