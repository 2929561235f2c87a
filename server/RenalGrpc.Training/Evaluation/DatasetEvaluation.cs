using System.Text.Json;
using System.Text.Json.Serialization;
using RenalGrpc.Imaging;
using RenalGrpc.Imaging.Nifti;
using RecordedMotion = RenalGrpc.Phantom.RecordedMotion;
using RenalGrpc.Training.Data;

namespace RenalGrpc.Training.Evaluation;

/// <summary>The evaluation report written by `renal evaluate --report`.</summary>
public sealed record EvaluationReport(string Dataset, string Model, EvaluationSummary Summary, IReadOnlyList<CaseEvaluation> Cases);

/// <summary>
/// Runs an analysis (local engine or a server: the caller decides) on every case of a dataset and
/// scores it against the ground truth of the phase the analysis chose as reference.
/// </summary>
public static class DatasetEvaluation
{
    private static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    /// <param name="analyze">Phase name to HU volume in, outcome out.</param>
    /// <param name="predictionsFolder">When set, each case's label map (reference grid) is written there as CASE.nii.gz,
    /// as nnU-Net's predict writes its outputs, so that a figure can be looked at in a viewer or scored again.</param>
    public static EvaluationReport Run(string dataFolder, string modelDescription,
        Func<IReadOnlyDictionary<string, Volume>, CaseOutcome> analyze, Action<string> log, CancellationToken cancellationToken,
        string? predictionsFolder = null)
    {
        if (predictionsFolder is not null) Directory.CreateDirectory(predictionsFolder);
        var cases = TrainingDataset.Discover(dataFolder);
        var results = new List<CaseEvaluation>();
        foreach (var c in cases)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var phases = c.Phases.ToDictionary(p => p.Phase, p => NiftiFile.Read(p.ImagePath));
            var outcome = analyze(phases);
            var truthPath = c.Phase(outcome.ReferencePhase)?.LabelsPath
                ?? throw new ImagingException($"case {c.Id} has no ground truth for its reference phase {outcome.ReferencePhase}");
            string caseJson = Path.Combine(c.Folder, "case.json");
            var motion = outcome.ReferenceToPhase is not null && File.Exists(caseJson) ? RecordedMotion.Read(caseJson) : null;
            var scored = CaseEvaluation.Score(c.Id, c.Subtype, NiftiFile.Read(truthPath), outcome, motion);
            results.Add(scored);
            if (predictionsFolder is not null) NiftiFile.Write(outcome.Labels, Path.Combine(predictionsFolder, $"{c.Id}.nii.gz"));
            log($"{c.Id}: Dice kidney+masses {scored.DiceKidneyMasses:F3} tumor {scored.DiceTumor:F3}, lesions {scored.DetectedTrueLesions}/{scored.TrueLesions} found, " +
                $"{scored.PredictedLesions} predicted, subtype {c.Subtype ?? "-"} -> {(scored.PredictedSubtype == "" ? "-" : scored.PredictedSubtype)}" +
                (scored.AlignmentErrorMm is { } errors ? $", alignment error {string.Join(" ", errors.Select(e => $"{e.Key} {e.Value.RegisteredMm:F1}"))} mm" : "") +
                $" ({scored.Seconds:F1} s)");
        }
        return new EvaluationReport(Path.GetFileName(Path.GetFullPath(dataFolder)), modelDescription, EvaluationSummary.From(results), results);
    }

    public static void Write(EvaluationReport report, string path) =>
        File.WriteAllText(path, JsonSerializer.Serialize(report, Json));
}
