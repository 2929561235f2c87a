namespace RenalGrpc.Engine.Model;

/// <summary>
/// The optional kidney-ROI stage of a checkpoint: a <see cref="SegmentationUNet"/> that reads all
/// contrast phases at once, aligned on the reference grid, in a fixed box around each kidney found
/// by stage 1. Stage 1 sees one phase at a time, and a lesion of 1-2 cm looks like medulla or sinus
/// in any single phase; across phases its enhancement curve differs from the parenchyma's.
/// </summary>
public sealed record RoiRefinementOptions
{
    /// <summary>Input channels are these phases in this order (clipped and z-scored like stage 1).</summary>
    public IReadOnlyList<string> Phases { get; init; } = new[] { "N", "A", "P", "D" };

    public SegmentationUNetOptions Network { get; init; } = new()
    {
        InputChannels = 4,
        Features = new[] { 16, 32, 64 },
        Strides = new[] { new[] { 1, 1, 1 }, new[] { 1, 2, 2 }, new[] { 2, 2, 2 } },
    };

    /// <summary>Box (z, y, x) in model-spacing voxels centred on a kidney's bounding box.</summary>
    public IReadOnlyList<int> CropShape { get; init; } = new[] { 28, 40, 40 };

    /// <summary>Tumor components the stage adds that are smaller than this (ml) are dropped as noise.</summary>
    public double MinLesionMl { get; init; } = 0.3;

    /// <summary>
    /// A stage-1 kidney voxel becomes tumor where the network's tumor probability, interpolated
    /// trilinearly from the box onto the reference grid, is at least this.
    /// </summary>
    public double TumorProbability { get; init; } = 0.5;

    /// <summary>
    /// Also let the stage claim voxels stage 1 called background (an exophytic lesion that stage 1
    /// missed bulges out of the kidney it drew, and only its inner part lies on "kidney"), but keep
    /// a proposed component only if at least <see cref="MinKidneyShare"/> of it lies on stage-1
    /// kidney, so it cannot start a lesion in the bowel or spleen next to the box. 0 (off): only
    /// stage-1 kidney voxels are relabelled, as up to 0.4.2.
    /// </summary>
    public double MinKidneyShare { get; init; }

    /// <summary>
    /// Let stage-1 tumor voxels the network agrees on join the proposals and count as anchor like
    /// kidney: the tumor voxels the network adds around a tumor stage 1 found (on its rim, often
    /// on background) then grow that tumor instead of being dropped as unanchored fragments. Off: as
    /// up to 0.4.3.
    /// </summary>
    public bool GrowStageOneTumors { get; init; }

    /// <summary>
    /// Let the network decide whether each stage-1 lesion is a tumor or a cyst: a stage-1 cyst
    /// component whose voxels the network calls tumor on average (mean tumor probability at least
    /// 0.5 and above the mean cyst probability) becomes tumor, and a tumor component it calls cyst
    /// the same way becomes cyst. Why: a cyst is told from a tumor by not enhancing, which only the
    /// phases together show; stage 1 sees one, and a necrotic or hypo-enhancing tumor (a pRCC, a
    /// necrotic ccRCC) looks like a cyst in any single phase. Only components that lie at least 90%
    /// inside the boxes and are not cut by a box's face are judged. Off: as up to 0.4.3.
    /// </summary>
    public bool LesionKindFromRoi { get; init; }

    /// <summary>
    /// A stage-1 cyst (at least <see cref="MinLesionMl"/>, inside the boxes' reach) whose median HU on
    /// the aligned phases rises by at least this from N to A or P becomes tumor (<see cref="Analysis.EnhancingCysts"/>:
    /// a simple cyst does not enhance). 0: off, as up to 0.4.3. Needs N and A or P; the network is not involved.
    /// </summary>
    public double EnhancingCystRiseHu { get; init; }

    /// <summary>
    /// Average the probabilities with those of the left-right mirrored box (the network was trained
    /// with that mirroring; other axes were not mirrored in training, so they are not offered).
    /// </summary>
    public bool MirrorLeftRight { get; init; } = true;

    /// <summary>
    /// Smooth each phase over a box voxel's footprint before sampling the box, where the reference grid is
    /// finer than the box's (<see cref="Analysis.SmoothedBoxSampling"/>; a 0.75 mm scan read at 2.5 mm keeps
    /// its noise otherwise). Off: plain trilinear samples, as up to 0.4.4.
    /// </summary>
    public bool AntiAliasing { get; init; }

    /// <summary>
    /// How many of <see cref="Phases"/> a study may lack and still get the stage: a missing phase's
    /// channel reads 0 (the normalised mean), as in training with phase dropout. 0 (a network trained
    /// on complete studies only): the stage is skipped unless every phase is there.
    /// </summary>
    public int MaxMissingPhases { get; init; }

    /// <summary>Kidney components (stage 1, reference grid) smaller than this (ml) get no box.</summary>
    public double MinKidneyMl { get; init; } = 10;

    /// <summary>How this network was trained (it is trained apart from stage 1).</summary>
    public Checkpoints.TrainingDescription Training { get; init; } = new();

    public void Validate()
    {
        Network.Validate();
        if (Phases is null || Phases.Count == 0 || Phases.Count != Network.InputChannels)
            throw new ArgumentException($"the ROI network reads {Network.InputChannels} channels but {Phases?.Count ?? 0} phases are listed");
        if (Phases.Distinct().Count() != Phases.Count || Phases.Any(p => !ModelClasses.Phases.Contains(p)))
            throw new ArgumentException($"ROI phases [{string.Join(", ", Phases)}] must be distinct names from N, A, P, D");
        var divisor = Network.RequiredDivisor();
        if (CropShape is null || CropShape.Count != 3 || CropShape.Where((n, a) => n < divisor[a] || n % divisor[a] != 0).Any())
            throw new ArgumentException($"ROI crop [{string.Join(", ", CropShape ?? [])}] must be three positive multiples of [{string.Join(", ", divisor)}] (z, y, x)");
        if (!(MinLesionMl >= 0) || !(MinKidneyMl >= 0)) throw new ArgumentException("ROI minimum volumes must be zero or more ml");
        if (MaxMissingPhases < 0 || MaxMissingPhases >= Phases.Count)
            throw new ArgumentException($"ROI max missing phases {MaxMissingPhases} must be 0 to {Phases.Count - 1}");
        if (!(EnhancingCystRiseHu >= 0 && EnhancingCystRiseHu < 1000)) throw new ArgumentException($"ROI enhancing-cyst rise {EnhancingCystRiseHu} HU must be 0 (off) or a positive HU difference under 1000");
        if (!(MinKidneyShare >= 0 && MinKidneyShare <= 1)) throw new ArgumentException($"ROI min kidney share {MinKidneyShare} must be 0 (off) to 1");
        if (!(TumorProbability > 0 && TumorProbability < 1)) throw new ArgumentException($"ROI tumor probability {TumorProbability} must lie strictly between 0 and 1");
    }
}
