using RenalGrpc.Engine.Preprocessing;
using RenalGrpc.Engine.Registration;
using RenalGrpc.Imaging;
using RenalGrpc.Imaging.Components;

namespace RenalGrpc.Engine.Analysis;

// The engine's public analysis API. The gRPC service, `renal analyze --local`, `renal evaluate`
// and the edit loop all go through these types; none of them mention Grpc.

/// <summary>What one Analyze call asks for (mirrors renal.v1.AnalyzeOptions without its types).</summary>
public sealed record AnalysisOptions
{
    /// <summary>Mirror test-time augmentation in the sliding window (several times slower; no better on the default model's validation phantoms, MODEL.md).</summary>
    public bool MirrorTta { get; init; }

    /// <summary>Also keep every phase's own-grid mask in the result.</summary>
    public bool PerPhaseMasks { get; init; }

    /// <summary>Override the reference phase ("N", "A", "P", "D"); null = P, else A, else D, else N.</summary>
    public string? ReferencePhase { get; init; }
}

public enum AnalysisStage { Queued, Preprocessing, Segmentation, Alignment, Classification, Encoding, Refinement }

/// <summary>One progress event. Fraction is 0..1 within the stage; Phase is set for per-phase stages.</summary>
public sealed record AnalysisProgress(AnalysisStage Stage, double Fraction, string? Phase = null, int QueuePosition = 0, string Message = "");

/// <summary>Wall time of one stage (per phase where the stage runs per phase).</summary>
public sealed record StageTiming(AnalysisStage Stage, string? Phase, double Seconds);

/// <summary>
/// One lesion: a connected component of label 2 (tumor) or 3 (cyst) in the reference grid.
/// SubtypeProbabilities is in <see cref="RenalSubtypes.Names"/> order and sums to 1; empty for cysts.
/// BoundingBox is in reference-grid voxels, half-open: I1, J1, K1 are one past the last voxel.
/// </summary>
public sealed record LesionDiagnosis(
    int Id,
    int Label,
    double VolumeMl,
    double LargestDiameterMm,
    PatientSide Side,
    Vec3 CentroidLps,
    (int I0, int J0, int K0, int I1, int J1, int K1) BoundingBox,
    IReadOnlyDictionary<string, double> MeanHu,
    IReadOnlyList<double> SubtypeProbabilities)
{
    /// <summary>Argmax subtype name, "" for cysts.</summary>
    public string PredictedSubtype => SubtypeProbabilities.Count == 0
        ? ""
        : RenalSubtypes.Names[SubtypeProbabilities.Select((p, n) => (p, n)).MaxBy(t => t.p).n];

    /// <summary>ccRCC + pRCC + chRCC; 0 for cysts.</summary>
    public double MalignancyProbability => SubtypeProbabilities.Count == 0 ? 0 : SubtypeProbabilities.Take(3).Sum();
}

/// <summary>Diagnosis of a whole study: lesions largest first; the verdict is the largest tumor's.</summary>
public sealed record StudyDiagnosis(
    string ReferencePhase,
    IReadOnlyList<LesionDiagnosis> Lesions,
    string Verdict)
{
    /// <summary>
    /// One sentence per set of phases that tumors' subtypes were read from when fewer than the classifier
    /// was trained on (<see cref="FewPhaseSubtypes"/>); set by the analyzer on every diagnosis, Analyze's
    /// and each edit's, since an edit can add a lesion that fewer phases cover. Empty when none.
    /// </summary>
    public IReadOnlyList<string> SubtypeWarnings { get; init; } = [];

    /// <summary>The largest tumor (label 2), whose classification is the study's; null when none.</summary>
    public LesionDiagnosis? LargestTumor => Lesions.Where(l => l.Label == KidneyLabels.Tumor).MaxBy(l => l.VolumeMl);
}

/// <summary>
/// A diagnosis with every lesion's voxels (<see cref="LesionVoxels"/>[n] belongs to
/// <c>Diagnosis.Lesions[n]</c>), kept with a revision so that the next edit re-measures and
/// re-classifies only the lesions it touches. Empty voxels = not known (the next edit then
/// re-diagnoses the whole map).
/// </summary>
public sealed record DiagnosedLabels(StudyDiagnosis Diagnosis, IReadOnlyList<ComponentRuns> LesionVoxels)
{
    /// <summary>True when every lesion's voxels are known, so an edit can start from this diagnosis.</summary>
    public bool HasLesionVoxels => LesionVoxels.Count == Diagnosis.Lesions.Count;
}

/// <summary>How one phase was put onto the reference grid.</summary>
/// <param name="Transform">Registration result in the normalised coordinates of <paramref name="RegistrationGrid"/> (reference to phase).</param>
/// <param name="InitialDice">Mean soft Dice after the centre-of-mass start; NaN when the phase was not registered.</param>
/// <param name="FinalDice">Mean soft Dice of the returned transform; NaN when the phase was not registered.</param>
/// <param name="ReferenceToPhaseLps">The same map between LPS points (reference scan to this phase's scan); null means identity.</param>
/// <param name="RegistrationGrid">The common grid the masks were registered on; null when not registered.</param>
/// <param name="Note">Why the phase was not registered, or null.</param>
public sealed record PhaseAlignment(string Phase, AffineTransform Transform, double InitialDice, double FinalDice,
    LpsAffine? ReferenceToPhaseLps = null, Geometry? RegistrationGrid = null, string? Note = null)
{
    /// <summary>Dice of the kidneys (with their masses) after alignment, on the registration grid; NaN when not registered.</summary>
    public double KidneyDice { get; init; } = double.NaN;
}

/// <summary>
/// Everything the classifier needs, kept by the server so that edits re-classify without
/// re-segmenting: every phase's image resampled and warped onto the reference grid (float32 HU),
/// and the reference-grid labels.
/// </summary>
public sealed record AlignedStudy(
    string ReferencePhase,
    Geometry ReferenceGrid,
    IReadOnlyDictionary<string, Volume> ImagesOnReference,
    IReadOnlyList<PhaseAlignment> Alignments);

/// <summary>What was done to one phase before alignment: preprocessing (null without a network) and post-processing.</summary>
public sealed record PhaseRecord(string Phase, PreprocessingRecord? Preprocessing, PostprocessingRecord Postprocessing);

/// <summary>
/// The result of Analyze. PhaseRecords (added): per phase what preprocessing and post-processing did.
/// LesionVoxels (added): each lesion's voxels in Diagnosis.Lesions order, for the edit loop; null
/// when the analyzer does not provide them.
/// </summary>
public sealed record StudyAnalysis(
    AlignedStudy Aligned,
    Volume Labels,
    IReadOnlyDictionary<string, Volume> PhaseLabels,
    StudyDiagnosis Diagnosis,
    IReadOnlyList<StageTiming> Timings,
    IReadOnlyDictionary<string, PhaseRecord>? PhaseRecords = null,
    IReadOnlyList<ComponentRuns>? LesionVoxels = null)
{
    /// <summary>What the kidney-ROI stage did; null when the checkpoint has none or it was turned off.</summary>
    public RefinementRecord? Refinement { get; init; }

    /// <summary>Kidney enhancement per phase and the phases that do not enhance as named; null when not checked.</summary>
    public PhaseCheckRecord? PhaseCheck { get; init; }
}

/// <summary>The diagnosis engine. Implementations are synchronous and must be called from one worker thread at a time.</summary>
public interface IStudyAnalyzer
{
    /// <summary>Model name and version as recorded in the checkpoint.</summary>
    string ModelVersion { get; }

    /// <summary>
    /// Segments every phase, aligns them onto the reference phase, measures and classifies every lesion.
    /// Phases: "N"/"A"/"P"/"D" to HU volumes (any voxel type, any grid). Throws ArgumentException for
    /// unusable input, OperationCanceledException when cancelled (checked between tiles).
    /// </summary>
    StudyAnalysis Analyze(IReadOnlyDictionary<string, Volume> phases, AnalysisOptions options,
        IProgress<AnalysisProgress>? progress, CancellationToken cancellationToken);

    /// <summary>Re-measures and re-classifies lesions for (possibly edited) reference-grid labels; no segmentation.</summary>
    StudyDiagnosis Diagnose(AlignedStudy aligned, Volume labels, CancellationToken cancellationToken);

    /// <summary>
    /// Re-diagnoses edited labels. <paramref name="previous"/> is the diagnosis of the labels before
    /// the edit and <paramref name="changed"/> a box holding every voxel the edit changed: an
    /// implementation may then re-measure only the lesions the edit touched, but the diagnosis must
    /// equal <see cref="Diagnose"/>'s. The default (for analyzers that keep no lesion voxels)
    /// re-diagnoses the whole map.
    /// </summary>
    DiagnosedLabels Rediagnose(AlignedStudy aligned, Volume labels, DiagnosedLabels? previous, VoxelBounds changed, CancellationToken cancellationToken) =>
        new(Diagnose(aligned, labels, cancellationToken), []);

    /// <summary>
    /// Segments locally around an LPS point with stage 1 (<see cref="LocalLesionSegmentation"/>):
    /// reference-grid labels holding only the lesion found there (2 or 3), 0 elsewhere; null when
    /// none is found near the point. ArgumentException when the point is outside the grid.
    /// </summary>
    Volume? SegmentLesionAt(AlignedStudy aligned, Vec3 pointLps, CancellationToken cancellationToken);
}
