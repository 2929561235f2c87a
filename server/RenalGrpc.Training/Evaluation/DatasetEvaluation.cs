using System.Text.Json;
using System.Text.Json.Serialization;
using RenalGrpc.Engine.Analysis;
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
    /// <param name="saveAligned">Also keep what stage 2 reads (<see cref="SavedAnalysis"/>), for <see cref="Rescore"/>;
    /// needs a predictions folder and outcomes that carry their aligned images.</param>
    public static EvaluationReport Run(string dataFolder, string modelDescription,
        Func<IReadOnlyDictionary<string, Volume>, CaseOutcome> analyze, Action<string> log, CancellationToken cancellationToken,
        string? predictionsFolder = null, bool saveAligned = false)
    {
        if (saveAligned && predictionsFolder is null) throw new ArgumentException("saving the aligned images needs a predictions folder");
        if (predictionsFolder is not null) Directory.CreateDirectory(predictionsFolder);
        return Score(dataFolder, modelDescription, c =>
        {
            var outcome = analyze(c.Phases.ToDictionary(p => p.Phase, p => NiftiFile.Read(p.ImagePath)));
            if (predictionsFolder is not null) NiftiFile.Write(outcome.Labels, SavedAnalysis.LabelsPathOf(predictionsFolder, c.Id));
            if (saveAligned)
                SavedAnalysis.Write(predictionsFolder!, c.Id, outcome,
                    outcome.AlignedImages ?? throw new InvalidOperationException("the analysis returned no aligned images to save"));
            return outcome;
        }, log, cancellationToken);
    }

    /// <summary>
    /// Scores stage 2 again on analyses saved by <see cref="Run"/> with saveAligned: each case's saved
    /// label map and aligned phases go through <paramref name="diagnose"/> (aligned study and labels in,
    /// the study verdict in RenalSubtypes order out, null for no tumor); segmentation and registration are
    /// not re-run, so their figures are those of the saved run.
    /// </summary>
    public static EvaluationReport Rescore(string dataFolder, string modelDescription, string savedFolder,
        Func<AlignedStudy, Volume, IReadOnlyList<double>?> diagnose, Action<string> log, CancellationToken cancellationToken)
    {
        if (!Directory.Exists(savedFolder)) throw new ImagingException($"{savedFolder}: no such folder of saved analyses");
        return Score(dataFolder, modelDescription, c =>
        {
            var clock = System.Diagnostics.Stopwatch.StartNew();
            var (aligned, labels, transforms) = SavedAnalysis.Read(savedFolder, c.Id);
            var verdict = diagnose(aligned, labels);
            return new CaseOutcome(aligned.ReferencePhase, labels, verdict, clock.Elapsed.TotalSeconds, transforms)
            {
                PhaseWarnings = PhaseConsistencyCheck.Check(aligned, labels).Warnings,
            };
        }, log, cancellationToken);
    }

    private static EvaluationReport Score(string dataFolder, string modelDescription, Func<TrainingCase, CaseOutcome> analyze,
        Action<string> log, CancellationToken cancellationToken)
    {
        var cases = TrainingDataset.Discover(dataFolder);
        var results = new List<CaseEvaluation>();
        foreach (var c in cases)
        {
            cancellationToken.ThrowIfCancellationRequested();
            CaseOutcome outcome;
            try
            {
                outcome = analyze(c);
            }
            catch (ArgumentException e)
            {
                // The engine refuses the case's images (NaN voxels, not HU, an impossible field of view): name the
                // case, since a dataset of hundreds would otherwise stop with a message about "phase P" alone.
                throw new ImagingException($"case {c.Id} cannot be analysed (stopped after {results.Count} scored case(s), no report written): " +
                    $"{e.Message}. Fix or remove the case and run again", e);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                log($"{c.Id}: stopped here ({results.Count} cases scored, no report written)");
                throw;
            }
            var truthPath = c.Phase(outcome.ReferencePhase)?.LabelsPath
                ?? throw new ImagingException($"case {c.Id} has no ground truth for its reference phase {outcome.ReferencePhase}");
            string caseJson = Path.Combine(c.Folder, "case.json");
            var motion = outcome.ReferenceToPhase is not null && File.Exists(caseJson) ? RecordedMotion.Read(caseJson) : null;
            var scored = CaseEvaluation.Score(c.Id, c.Subtype, NiftiFile.Read(truthPath), outcome, motion);
            results.Add(scored);
            log($"{c.Id}: Dice kidney+masses {scored.DiceKidneyMasses:F3} tumor {scored.DiceTumor:F3}, lesions {scored.DetectedTrueLesions}/{scored.TrueLesions} found, " +
                $"{scored.PredictedLesions} predicted, subtype {c.Subtype ?? "-"} -> {(scored.PredictedSubtype == "" ? "-" : scored.PredictedSubtype)}" +
                (scored.AlignmentErrorMm is { } errors ? $", alignment error {string.Join(" ", errors.Select(e => $"{e.Key} {e.Value.RegisteredMm:F1}"))} mm" : "") +
                $" ({scored.Seconds:F1} s)" + string.Concat(scored.PhaseWarnings.Select(w => $"; WARNING {w}")));
        }
        return new EvaluationReport(Path.GetFileName(Path.GetFullPath(dataFolder)), modelDescription, EvaluationSummary.From(results), results);
    }

    public static void Write(EvaluationReport report, string path) =>
        File.WriteAllText(path, JsonSerializer.Serialize(report, Json));
}
