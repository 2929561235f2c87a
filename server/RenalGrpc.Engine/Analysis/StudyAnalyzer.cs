using System.Diagnostics;
using RenalGrpc.Engine.Checkpoints;
using RenalGrpc.Engine.Classification;
using RenalGrpc.Engine.Inference;
using RenalGrpc.Imaging;
using RenalGrpc.Imaging.Components;
using static TorchSharp.torch;

namespace RenalGrpc.Engine.Analysis;

/// <summary>Tunables of the pipeline that are not part of the checkpoint.</summary>
public sealed record StudyAnalyzerSettings
{
    public PostprocessingOptions Postprocessing { get; init; } = new();
    public AlignmentOptions Alignment { get; init; } = new();

    /// <summary>Give freed native memory back to the OS after every study (see <see cref="NativeHeap"/>).</summary>
    public bool TrimNativeMemory { get; init; } = true;

    /// <summary>Number format of the stage-1 forward passes when the analyzer makes its own segmenter.</summary>
    public InferencePrecision Precision { get; init; } = InferencePrecision.Auto;

    /// <summary>Sliding-window step as a fraction of the tile; null: the checkpoint's <see cref="Checkpoints.CheckpointMetadata.TileStep"/>.</summary>
    public double? TileStepFraction { get; init; }

    /// <summary>Crop stage 1's input to the body (<see cref="Preprocessing.BodyCrop"/>); null: the whole field of view.</summary>
    public Preprocessing.BodyCrop? BodyCrop { get; init; } = new();

    /// <summary>
    /// Phases after the first are searched only within this distance (mm) of the box around the
    /// kidneys and lesions the first phase showed, when it showed two kidneys (otherwise the whole
    /// body is searched). The phases of a study are scans of one patient on one table minutes
    /// apart: breathing moves the kidneys by one to three centimetres, not more. On a 50 cm
    /// long scan this halves stage 1's work. A phase that shows fewer than two kidneys inside the
    /// region is searched again whole. Null: every phase is searched whole.
    /// </summary>
    public double? KidneySearchMarginMm { get; init; } = 50;

    /// <summary>Run the checkpoint's kidney-ROI stage when it has one (see <see cref="KidneyRoiRefinement"/>).</summary>
    public bool RoiRefinement { get; init; } = true;
}

/// <summary>
/// The whole diagnosis over a loaded checkpoint: per-phase segmentation (<see cref="IPhaseSegmenter"/>),
/// post-processing, alignment of every phase onto the reference phase, lesion measurement and
/// classification. Synchronous by design (dispose scopes and no_grad are bound to the OS thread):
/// the server calls it from one worker thread at a time.
/// </summary>
public sealed class StudyAnalyzer : IStudyAnalyzer, IDisposable
{
    private readonly LoadedModel model;
    private readonly bool ownsModel;
    private readonly IPhaseSegmenter segmenter;
    private readonly NetworkPhaseSegmenter? ownSegmenter;
    private readonly LesionClassifier classifier;
    private readonly PhaseAligner aligner;

    /// <param name="model">Networks and metadata; not disposed by the analyzer unless it loaded them itself.</param>
    /// <param name="settings">Pipeline tunables; defaults when null.</param>
    /// <param name="segmenter">Stage 1 per phase; the checkpoint's network when null (tests inject ground truth).</param>
    public StudyAnalyzer(LoadedModel model, StudyAnalyzerSettings? settings = null, IPhaseSegmenter? segmenter = null)
        : this(model, settings, segmenter, ownsModel: false)
    {
    }

    private StudyAnalyzer(LoadedModel model, StudyAnalyzerSettings? settings, IPhaseSegmenter? segmenter, bool ownsModel)
    {
        ArgumentNullException.ThrowIfNull(model);
        this.model = model;
        this.ownsModel = ownsModel;
        Settings = settings ?? new StudyAnalyzerSettings();
        Settings.Postprocessing.Validate();
        Settings.BodyCrop?.Validate();
        if (Settings.KidneySearchMarginMm is { } margin && !(margin >= 0 && double.IsFinite(margin)))
            throw new ArgumentException($"kidney search margin {margin} mm must be finite and not negative");
        var metadata = model.Metadata;
        if (segmenter is null) ownSegmenter = new NetworkPhaseSegmenter(model, Settings.Precision, Settings.TileStepFraction ?? model.Metadata.TileStep, Settings.BodyCrop);
        this.segmenter = segmenter ?? ownSegmenter!;
        classifier = new LesionClassifier(model.Classifiers, metadata.ClassifierCrop, metadata.Normalization);
        aligner = new PhaseAligner(new Vec3(metadata.SpacingMm[0], metadata.SpacingMm[1], metadata.SpacingMm[2]), Settings.Alignment);
        model.Segmentation.eval();
        foreach (var member in model.Classifiers) member.eval();
        model.Refinement?.eval();
    }

    /// <summary>Loads a checkpoint folder strictly (<see cref="ModelCheckpoint.Load"/>); the analyzer then owns the networks.</summary>
    public static StudyAnalyzer Load(string checkpointFolder, StudyAnalyzerSettings? settings = null, IPhaseSegmenter? segmenter = null)
    {
        var loaded = ModelCheckpoint.Load(checkpointFolder);
        try
        {
            return new StudyAnalyzer(loaded, settings, segmenter, ownsModel: true);
        }
        catch
        {
            loaded.Dispose();
            throw;
        }
    }

    public StudyAnalyzerSettings Settings { get; }

    /// <summary>Stage 1's grid spacing (i, j, k) in mm, from the checkpoint.</summary>
    public Vec3 ModelSpacing => new(model.Metadata.SpacingMm[0], model.Metadata.SpacingMm[1], model.Metadata.SpacingMm[2]);

    public CheckpointMetadata Metadata => model.Metadata;

    public string ModelVersion => $"{model.Metadata.Name} {model.Metadata.Version}";

    /// <summary>The sliding-window step stage 1 runs with (a fraction of the tile); null when a segmenter was injected.</summary>
    public double? TileStep => ownSegmenter?.StepFraction;

    /// <summary>The precision stage 1 runs at (Auto resolved); null when a segmenter was injected.</summary>
    public InferencePrecision? Precision => ownSegmenter?.Precision;

    public StudyAnalysis Analyze(IReadOnlyDictionary<string, Volume> phases, AnalysisOptions options,
        IProgress<AnalysisProgress>? progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(phases);
        ArgumentNullException.ThrowIfNull(options);
        var order = StudyInputCheck.CheckedPhases(phases, ModelSpacing);
        string reference = ReferencePhase.Choose(order, options.ReferencePhase);
        var timings = new List<StageTiming>();
        try
        {
            using var scope = NewDisposeScope();
            var (labels, records) = SegmentPhases(order, phases, options, progress, timings, cancellationToken);

            var aligned = Align(phases, labels, reference, progress, timings, cancellationToken);
            var (referenceLabels, refinement) = Refine(aligned, labels[reference], timings, progress, cancellationToken);

            progress?.Report(new AnalysisProgress(AnalysisStage.Classification, 0));
            var clock = Stopwatch.StartNew();
            var diagnosed = Warned(StudyDiagnoser.DiagnoseWithVoxels(aligned, referenceLabels, classifier, Settings.Postprocessing.Connectivity, cancellationToken));
            var phaseCheck = PhaseConsistencyCheck.Check(aligned, referenceLabels);
            timings.Add(new StageTiming(AnalysisStage.Classification, null, clock.Elapsed.TotalSeconds));
            progress?.Report(new AnalysisProgress(AnalysisStage.Classification, 1));

            var perPhase = options.PerPhaseMasks ? labels : new Dictionary<string, Volume>(StringComparer.Ordinal);
            return new StudyAnalysis(aligned, referenceLabels, perPhase, diagnosed.Diagnosis, timings, records, diagnosed.LesionVoxels)
            {
                Refinement = refinement,
                PhaseCheck = phaseCheck,
            };
        }
        finally
        {
            if (Settings.TrimNativeMemory) NativeHeap.Trim();
        }
    }

    public StudyDiagnosis Diagnose(AlignedStudy aligned, Volume labels, CancellationToken cancellationToken) =>
        Warned(StudyDiagnoser.Diagnose(aligned, labels, classifier, Settings.Postprocessing.Connectivity, cancellationToken));

    /// <summary>Only the lesions the edit touched are re-measured and re-classified (<see cref="StudyDiagnoser.Update"/>).</summary>
    public DiagnosedLabels Rediagnose(AlignedStudy aligned, Volume labels, DiagnosedLabels? previous, VoxelBounds changed, CancellationToken cancellationToken) =>
        Warned(previous is null
            ? StudyDiagnoser.DiagnoseWithVoxels(aligned, labels, classifier, Settings.Postprocessing.Connectivity, cancellationToken)
            : StudyDiagnoser.Update(aligned, labels, previous, changed, classifier, Settings.Postprocessing.Connectivity, cancellationToken));

    private StudyDiagnosis Warned(StudyDiagnosis diagnosis) =>
        diagnosis with { SubtypeWarnings = FewPhaseSubtypes.Warnings(diagnosis.Lesions, model.Metadata.ClassifierMinPhases) };

    private DiagnosedLabels Warned(DiagnosedLabels diagnosed) => diagnosed with { Diagnosis = Warned(diagnosed.Diagnosis) };

    public Volume? SegmentLesionAt(AlignedStudy aligned, Vec3 pointLps, CancellationToken cancellationToken) =>
        LocalLesionSegmentation.Segment(segmenter, aligned, pointLps, cancellationToken);

    public void Dispose()
    {
        ownSegmenter?.Dispose();
        if (ownsModel) model.Dispose();
    }

    /// <summary>
    /// Stage 1 and post-processing on every phase in <paramref name="order"/>; the phases after the
    /// first are searched around the first one's kidneys (<see cref="StudyAnalyzerSettings.KidneySearchMarginMm"/>).
    /// </summary>
    private (Dictionary<string, Volume> Labels, Dictionary<string, PhaseRecord> Records) SegmentPhases(List<string> order,
        IReadOnlyDictionary<string, Volume> phases, AnalysisOptions options, IProgress<AnalysisProgress>? progress,
        List<StageTiming> timings, CancellationToken cancellationToken)
    {
        var labels = new Dictionary<string, Volume>(StringComparer.Ordinal);
        var records = new Dictionary<string, PhaseRecord>(StringComparer.Ordinal);
        Preprocessing.PhysicalBox? searchRegion = null;
        foreach (var phase in order)
        {
            cancellationToken.ThrowIfCancellationRequested();
            int firstTiming = timings.Count;
            var (phaseLabels, record) = SegmentPhase(phase, phases[phase], options, progress, timings, cancellationToken, searchRegion);
            if (searchRegion is not null && record.Postprocessing.KeptKidneyMl.Count < 2)
            {
                // Two kidneys in the first phase and not here: this phase may lie elsewhere (another
                // table position, another frame of reference), so it is searched whole after all,
                // and the report shows the time of both passes as the phase's time. The second
                // pass reports no progress: the phase already said it was done, and a bar must not go back.
                (phaseLabels, record) = SegmentPhase(phase, phases[phase], options, null, timings, cancellationToken, null);
                var both = timings.Skip(firstTiming).GroupBy(t => t.Stage)
                    .Select(g => new StageTiming(g.Key, phase, g.Sum(t => t.Seconds))).ToList();
                timings.RemoveRange(firstTiming, timings.Count - firstTiming);
                timings.AddRange(both);
            }
            labels[phase] = phaseLabels;
            records[phase] = record;
            if (phase == order[0]) searchRegion = KidneySearchRegion(phaseLabels, record.Postprocessing);
        }
        return (labels, records);
    }

    /// <summary>Where the later phases' kidneys can be: around the first phase's two kidneys (<see cref="StudyAnalyzerSettings.KidneySearchMarginMm"/>).</summary>
    private Preprocessing.PhysicalBox? KidneySearchRegion(Volume cleanedLabels, PostprocessingRecord postprocessing) =>
        Settings.KidneySearchMarginMm is { } margin && postprocessing.KeptKidneyMl.Count >= 2
            ? Preprocessing.PhysicalBox.AroundForeground(cleanedLabels)?.Grown(margin)
            : null;

    private (Volume Labels, PhaseRecord Record) SegmentPhase(string phase, Volume image, AnalysisOptions options,
        IProgress<AnalysisProgress>? progress, List<StageTiming> timings, CancellationToken cancellationToken,
        Preprocessing.PhysicalBox? searchRegion)
    {
        var clock = Stopwatch.StartNew();
        var segmentation = segmenter.Segment(phase, image, options.MirrorTta,
            (stage, fraction) => progress?.Report(new AnalysisProgress(stage, fraction, phase)), cancellationToken, searchRegion);
        if (segmentation.Labels.VoxelType != VoxelType.UInt8 || !segmentation.Labels.Geometry.IsSameGrid(image.Geometry))
            throw new InvalidOperationException($"the segmenter returned labels for phase {phase} that are not uint8 on the phase's grid");
        var (cleaned, postprocessing) = SegmentationPostprocessing.Apply(segmentation.Labels, Settings.Postprocessing);
        double total = clock.Elapsed.TotalSeconds;
        timings.Add(new StageTiming(AnalysisStage.Preprocessing, phase, segmentation.PreprocessingSeconds));
        timings.Add(new StageTiming(AnalysisStage.Segmentation, phase, Math.Max(0, total - segmentation.PreprocessingSeconds)));
        return (cleaned, new PhaseRecord(phase, segmentation.Preprocessing, postprocessing));
    }

    /// <summary>The kidney-ROI stage on the aligned phases (timed when it runs); labels unchanged without one.</summary>
    private (Volume Labels, RefinementRecord? Record) Refine(AlignedStudy aligned, Volume referenceLabels, List<StageTiming> timings,
        IProgress<AnalysisProgress>? progress, CancellationToken cancellationToken)
    {
        if (model.Refinement is null || model.Metadata.Refinement is null || !Settings.RoiRefinement) return (referenceLabels, null);
        var clock = Stopwatch.StartNew();
        progress?.Report(new AnalysisProgress(AnalysisStage.Refinement, 0));
        var metadata = model.Metadata;
        var (refined, record) = KidneyRoiRefinement.Apply(model.Refinement, metadata.Refinement, metadata.Normalization,
            new Vec3(metadata.SpacingMm[0], metadata.SpacingMm[1], metadata.SpacingMm[2]), aligned, referenceLabels,
            Settings.Postprocessing.Connectivity, cancellationToken);
        // Timed only when it ran, so a report shows whether the study got the stage.
        if (record.SkippedBecause is null) timings.Add(new StageTiming(AnalysisStage.Refinement, null, clock.Elapsed.TotalSeconds));
        progress?.Report(new AnalysisProgress(AnalysisStage.Refinement, 1));
        return (refined, record);
    }

    /// <summary>Registers every other phase onto the reference and samples every image onto the reference grid (float32 HU).</summary>
    private AlignedStudy Align(IReadOnlyDictionary<string, Volume> phases, Dictionary<string, Volume> labels, string reference,
        IProgress<AnalysisProgress>? progress, List<StageTiming> timings, CancellationToken cancellationToken)
    {
        var referenceGrid = phases[reference].Geometry;
        var images = new Dictionary<string, Volume>(StringComparer.Ordinal)
        {
            [reference] = Volume.FromVoxels<float>(referenceGrid, phases[reference].ToFloatArray()),
        };
        var alignments = new List<PhaseAlignment>();
        var moving = labels.Keys.Where(p => p != reference).ToList();
        progress?.Report(new AnalysisProgress(AnalysisStage.Alignment, 0));
        for (int n = 0; n < moving.Count; n++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            string phase = moving[n];
            var clock = Stopwatch.StartNew();
            var alignment = aligner.Align(phase, labels[phase], labels[reference], cancellationToken);
            images[phase] = PhaseWarp.Image(phases[phase], referenceGrid, alignment.ReferenceToPhaseLps ?? LpsAffine.Identity);
            alignments.Add(alignment);
            timings.Add(new StageTiming(AnalysisStage.Alignment, phase, clock.Elapsed.TotalSeconds));
            progress?.Report(new AnalysisProgress(AnalysisStage.Alignment, (n + 1.0) / moving.Count, phase));
        }
        if (moving.Count == 0) progress?.Report(new AnalysisProgress(AnalysisStage.Alignment, 1));
        return new AlignedStudy(reference, referenceGrid, images, alignments);
    }
}
