using RenalGrpc.Engine.Analysis;
using RenalGrpc.Imaging;
using RenalGrpc.Imaging.Components;
using RenalGrpc.Serving;

namespace RenalGrpc.Server.Tests.Support;

/// <summary>
/// A deterministic stand-in for the diagnosis engine, so the server, queue, streaming, mapping and
/// clients are tested for real without a trained model: labels are thresholds of the reference
/// phase's values, every tumor gets <see cref="TumorProbabilities"/>. It can be held at the
/// segmentation stage (<see cref="Hold"/>) to test the queue and cancellation.
/// </summary>
public sealed class FakeStudyAnalyzer : IStudyAnalyzer
{
    public static readonly double[] TumorProbabilities = [0.55, 0.2, 0.1, 0.1, 0.05];
    public static readonly ModelIdentity Identity = new("fake-renal", "0.1", new string('a', 64), "nothing: a test double");
    private static readonly string[] ReferenceOrder = ["P", "A", "D", "N"];

    private readonly ManualResetEventSlim _released = new(initialState: true);
    private int _cancelledRuns;
    private int _completedRuns;

    public string ModelVersion => Identity.DisplayVersion;

    /// <summary>Released once per run when the engine reaches its (holdable) segmentation stage.</summary>
    public SemaphoreSlim Started { get; } = new(0);

    public int CancelledRuns => Volatile.Read(ref _cancelledRuns);
    public int CompletedRuns => Volatile.Read(ref _completedRuns);

    /// <summary>Runs wait at the segmentation stage until <see cref="Release"/> (or their cancellation).</summary>
    public void Hold() => _released.Reset();

    public void Release() => _released.Set();

    /// <summary>The fake's segmentation rule: tumor above 16000, cyst below -16000, kidney above 0.</summary>
    public static byte LabelOf(float value) => value switch
    {
        > 16000 => (byte)KidneyLabels.Tumor,
        < -16000 => (byte)KidneyLabels.Cyst,
        > 0 => (byte)KidneyLabels.Kidney,
        _ => 0,
    };

    public static Volume Segment(Volume image)
    {
        var labels = new byte[image.VoxelCount];
        for (long n = 0; n < labels.LongLength; n++)
        {
            labels[n] = LabelOf(image.GetFloat(n));
        }

        return new Volume(image.Geometry, VoxelType.UInt8, labels);
    }

    public StudyAnalysis Analyze(IReadOnlyDictionary<string, Volume> phases, AnalysisOptions options, IProgress<AnalysisProgress>? progress, CancellationToken cancellationToken)
    {
        if (phases.Count == 0)
        {
            throw new ArgumentException("no phases");
        }

        progress?.Report(new AnalysisProgress(AnalysisStage.Preprocessing, 1));
        foreach (var phase in phases.Keys.Order())
        {
            progress?.Report(new AnalysisProgress(AnalysisStage.Segmentation, 0.5, phase));
        }

        Started.Release();
        try
        {
            _released.Wait(cancellationToken);
        }
        catch (OperationCanceledException)
        {
            Interlocked.Increment(ref _cancelledRuns);
            throw;
        }

        var reference = options.ReferencePhase ?? ReferenceOrder.First(phases.ContainsKey);
        var image = phases[reference];
        var labels = Segment(image);
        var phaseLabels = phases.ToDictionary(p => p.Key, p => Segment(p.Value));
        progress?.Report(new AnalysisProgress(AnalysisStage.Classification, 1));
        var diagnosis = Warned(new StudyDiagnosis(reference, Lesions(labels, phases.Keys), "left renal mass, most likely ccRCC (fake)"));
        var aligned = new AlignedStudy(reference, image.Geometry, phases, []);
        Interlocked.Increment(ref _completedRuns);
        return new StudyAnalysis(aligned, labels, phaseLabels, diagnosis, [new StageTiming(AnalysisStage.Segmentation, reference, 0.01)])
        {
            PhaseCheck = PhaseCheck,
        };
    }

    /// <summary>What Analyze answers as its check of the scans; null (the default) = none.</summary>
    public PhaseCheckRecord? PhaseCheck { get; set; }

    /// <summary>When set, every diagnosis with a tumor carries this as its subtype warning (as the real analyzer's few-phase rule would).</summary>
    public string? TumorSubtypeWarning { get; set; }

    private StudyDiagnosis Warned(StudyDiagnosis diagnosis) =>
        TumorSubtypeWarning is { } warning && diagnosis.LargestTumor is not null ? diagnosis with { SubtypeWarnings = [warning] } : diagnosis;

    /// <summary>One "lesion" per label present (tumor first): the fake does not split components.</summary>
    private static List<LesionDiagnosis> Lesions(Volume labels, IEnumerable<string> phases)
    {
        var size = labels.Geometry.Size;
        var lesions = new List<LesionDiagnosis>();
        foreach (var label in new[] { KidneyLabels.Tumor, KidneyLabels.Cyst })
        {
            long count = labels.Buffer.LongCount(v => v == label);
            if (count == 0)
            {
                continue;
            }

            lesions.Add(new LesionDiagnosis(
                lesions.Count + 1, label, count * labels.Geometry.VoxelVolumeMl, 12.5, label == KidneyLabels.Cyst ? PatientSide.Right : PatientSide.Left,
                new Vec3(1, 2, 3), (0, 0, 0, size.I, size.J, size.K),
                phases.ToDictionary(p => p, _ => 42.0), label == KidneyLabels.Cyst ? [] : TumorProbabilities));
        }

        return lesions;
    }

    /// <summary>Re-diagnoses with the same per-label rule as Analyze; records the thread it ran on.</summary>
    public StudyDiagnosis Diagnose(AlignedStudy aligned, Volume labels, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        DiagnoseThread = Thread.CurrentThread.Name;
        Interlocked.Increment(ref _diagnoseRuns);
        return Warned(new StudyDiagnosis(aligned.ReferencePhase, Lesions(labels, aligned.ImagesOnReference.Keys), "re-diagnosed (fake)"));
    }

    /// <summary>Records what the server hands the engine for an edit, then re-diagnoses the whole map (the interface's default).</summary>
    public DiagnosedLabels Rediagnose(AlignedStudy aligned, Volume labels, DiagnosedLabels? previous, VoxelBounds changed, CancellationToken cancellationToken)
    {
        LastRediagnose = (previous, changed);
        return new DiagnosedLabels(Diagnose(aligned, labels, cancellationToken), []);
    }

    /// <summary>The base revision's diagnosis and the changed box of the last edit.</summary>
    public (DiagnosedLabels? Previous, VoxelBounds Changed)? LastRediagnose { get; private set; }

    /// <summary>The engine's real local segmentation with the fake's threshold rule as stage 1.</summary>
    public Volume? SegmentLesionAt(AlignedStudy aligned, Vec3 pointLps, CancellationToken cancellationToken) =>
        LocalLesionSegmentation.Segment(new ThresholdSegmenter(), aligned, pointLps, cancellationToken);

    private sealed class ThresholdSegmenter : IPhaseSegmenter
    {
        public PhaseSegmentation Segment(string phase, Volume image, bool mirrorTta, Action<AnalysisStage, double>? progress, CancellationToken cancellationToken, RenalGrpc.Engine.Preprocessing.PhysicalBox? searchRegion = null) =>
            new(FakeStudyAnalyzer.Segment(image), null, 0);
    }

    private int _diagnoseRuns;

    public int DiagnoseRuns => Volatile.Read(ref _diagnoseRuns);

    /// <summary>The name of the thread the last Diagnose ran on (the inference worker's, if the server is right).</summary>
    public string? DiagnoseThread { get; private set; }
}

/// <summary>Hands the server (or `renal analyze` in-process) a <see cref="FakeStudyAnalyzer"/> instead of reading a checkpoint.</summary>
public sealed class FakeAnalyzerLoader(FakeStudyAnalyzer analyzer) : IAnalyzerLoader
{
    public LoadedAnalyzer Load(string modelPath, CancellationToken cancellationToken) => new(analyzer, FakeStudyAnalyzer.Identity);
}
