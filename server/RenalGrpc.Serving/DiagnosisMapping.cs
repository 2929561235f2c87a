using RenalGrpc.Engine.Analysis;
using RenalGrpc.Imaging;
using RenalGrpc.Imaging.Components;
using V1 = RenalGrpc.V1;

namespace RenalGrpc.Serving;

/// <summary>
/// The one translation from the engine's analysis types to renal.v1 messages, used by the server's
/// Analyze and by `renal analyze` in-process, so a report has the same shape whichever ran it.
/// </summary>
public static class DiagnosisMapping
{
    public static V1.Phase MapToPhase(string? code) => code switch
    {
        "N" => V1.Phase.N,
        "A" => V1.Phase.A,
        "P" => V1.Phase.P,
        "D" => V1.Phase.D,
        _ => V1.Phase.Unspecified,
    };

    public static string? MapToPhaseCode(V1.Phase phase) => phase switch
    {
        V1.Phase.N => "N",
        V1.Phase.A => "A",
        V1.Phase.P => "P",
        V1.Phase.D => "D",
        _ => null,
    };

    public static AnalysisOptions MapToOptions(V1.AnalyzeOptions? options) => options is null
        ? new AnalysisOptions()
        : new AnalysisOptions
        {
            MirrorTta = options.MirrorTta,
            PerPhaseMasks = options.PerPhaseMasks,
            ReferencePhase = MapToPhaseCode(options.ReferencePhase),
        };

    public static V1.Stage MapToStage(AnalysisStage stage) => stage switch
    {
        AnalysisStage.Queued => V1.Stage.Queued,
        AnalysisStage.Preprocessing => V1.Stage.Preprocessing,
        AnalysisStage.Segmentation => V1.Stage.Segmentation,
        AnalysisStage.Alignment => V1.Stage.Alignment,
        AnalysisStage.Classification => V1.Stage.Classification,
        AnalysisStage.Encoding => V1.Stage.Encoding,
        AnalysisStage.Refinement => V1.Stage.Refinement,
        _ => V1.Stage.Unspecified,
    };

    public static V1.Progress MapToProgress(AnalysisProgress p) => new()
    {
        Stage = MapToStage(p.Stage),
        Fraction = Math.Clamp(p.Fraction, 0, 1),
        QueuePosition = (uint)Math.Max(0, p.QueuePosition),
        Phase = MapToPhase(p.Phase),
        Message = p.Message,
    };

    public static V1.Geometry MapToGeometry(Geometry g) => new()
    {
        SizeI = (uint)g.Size.I,
        SizeJ = (uint)g.Size.J,
        SizeK = (uint)g.Size.K,
        Spacing = MapToVector(g.Spacing),
        Origin = MapToVector(g.Origin),
        Direction = { g.Direction.ToRowMajorArray() },
    };

    public static V1.Vector3 MapToVector(Vec3 v) => new() { X = v.X, Y = v.Y, Z = v.Z };

    /// <summary>The study's diagnosis with the verdict taken from its largest tumor (empty probabilities when there is none).</summary>
    public static V1.Diagnosis MapToDiagnosis(StudyDiagnosis diagnosis, string studyId, uint revision, string modelVersion, IEnumerable<StageTiming> timings,
        RefinementRecord? refinement = null, PhaseCheckRecord? phaseCheck = null)
    {
        var message = new V1.Diagnosis
        {
            StudyId = studyId,
            Revision = revision,
            ReferencePhase = diagnosis.ReferencePhase,
            Lesions = { diagnosis.Lesions.Select(MapToLesion) },
            Verdict = diagnosis.Verdict,
            ModelVersion = modelVersion,
            Timings = { timings.Select(t => new V1.StageTiming { Stage = MapToStage(t.Stage), Phase = MapToPhase(t.Phase), Seconds = t.Seconds }) },
            Refinement = refinement is null ? null : MapToRefinement(refinement),
            PhaseCheck = phaseCheck is null ? null : MapToPhaseCheck(phaseCheck),
        };
        // The scans' check is Analyze's; the subtype warnings are this diagnosis's own (an edit may add a
        // lesion fewer phases cover, or remove the one that was warned about).
        if (diagnosis.SubtypeWarnings.Count > 0) (message.PhaseCheck ??= new V1.PhaseCheck()).Warnings.Add(diagnosis.SubtypeWarnings);
        var tumor = diagnosis.LargestTumor;
        if (tumor is not null && tumor.SubtypeProbabilities.Count == RenalSubtypes.Names.Count)
        {
            message.SubtypeProbabilities.Add(SubtypeMap(tumor.SubtypeProbabilities));
            message.PredictedSubtype = tumor.PredictedSubtype;
            message.MalignancyProbability = tumor.MalignancyProbability;
        }

        return message;
    }

    public static V1.PhaseCheck MapToPhaseCheck(PhaseCheckRecord record) => new()
    {
        KidneyUpperQuartileHu = { record.KidneyUpperQuartileHu.ToDictionary(p => p.Key, p => p.Value) },
        Warnings = { record.Warnings },
        AlignmentKidneyDice = { record.AlignmentKidneyDice.ToDictionary(p => p.Key, p => p.Value) },
        KidneyMedianHu = { record.KidneyMedianHu.ToDictionary(p => p.Key, p => p.Value) },
        KidneyDenseContrastPercent = { record.KidneyDenseContrastPercent.ToDictionary(p => p.Key, p => p.Value) },
        LooksLike = { record.LooksLike.ToDictionary(p => p.Key, p => p.Value) },
    };

    public static V1.RoiRefinement MapToRefinement(RefinementRecord record) => new()
    {
        Ran = record.SkippedBecause is null,
        SkippedBecause = record.SkippedBecause ?? "",
        Boxes = (uint)record.Boxes,
        LesionsAdded = (uint)record.LesionsAdded,
        VoxelsRelabelled = (ulong)record.VoxelsRelabelled,
        ProposalsDropped = (uint)record.ProposalsDropped,
        PhasesFilled = { record.PhasesFilled?.Split(", ") ?? [] },
        LesionsRetyped = (uint)record.LesionsRetyped,
    };

    public static V1.Lesion MapToLesion(LesionDiagnosis lesion)
    {
        var (i0, j0, k0, i1, j1, k1) = lesion.BoundingBox;
        var message = new V1.Lesion
        {
            Id = (uint)lesion.Id,
            Label = (uint)lesion.Label,
            VolumeMl = lesion.VolumeMl,
            LargestDiameterMm = lesion.LargestDiameterMm,
            Side = SideName(lesion.Side),
            CentroidLps = MapToVector(lesion.CentroidLps),
            // The engine's box is half-open (I1 = one past the last voxel), like VoxelBox.
            BoundingBox = new V1.VoxelBox
            {
                I0 = (uint)i0,
                J0 = (uint)j0,
                K0 = (uint)k0,
                SizeI = (uint)Math.Max(0, i1 - i0),
                SizeJ = (uint)Math.Max(0, j1 - j0),
                SizeK = (uint)Math.Max(0, k1 - k0),
            },
            MeanHu = { lesion.MeanHu.ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal) },
            PredictedSubtype = lesion.PredictedSubtype,
            MalignancyProbability = lesion.MalignancyProbability,
        };
        if (lesion.SubtypeProbabilities.Count == RenalSubtypes.Names.Count)
        {
            message.SubtypeProbabilities.Add(SubtypeMap(lesion.SubtypeProbabilities));
        }

        return message;
    }

    public static string SideName(PatientSide side) => side switch
    {
        PatientSide.Left => "left",
        PatientSide.Right => "right",
        _ => "midline",
    };

    private static Dictionary<string, double> SubtypeMap(IReadOnlyList<double> probabilities) =>
        RenalSubtypes.Names.Select((name, n) => (name, p: probabilities[n])).ToDictionary(t => t.name, t => t.p, StringComparer.Ordinal);
}
