using System.Text;
using RenalGrpc.Imaging;
using RenalGrpc.Training.Metrics;

namespace RenalGrpc.Training.Evaluation;

/// <summary>Dataset-level figures of an evaluation, as the paper reports them plus segmentation and detection.</summary>
public sealed record EvaluationSummary(
    int Cases,
    double MeanDiceKidneyMasses,
    double MeanDiceTumor,
    double LesionRecall,
    double LesionPrecision,
    IReadOnlyDictionary<string, double> AucPerClass,
    double MacroAuc,
    double BenignVsMalignantAuc,
    int[][] ConfusionMatrix,
    double Accuracy,
    double MeanSecondsPerCase,
    int StudiesWithVerdict,
    double MacroAucWithVerdict,
    IReadOnlyList<TumorSizeStratum> ByTumorSize,
    IReadOnlyList<PhaseAlignmentError> AlignmentError)
{
    /// <summary>Studies the phase check warned about (phases given under the wrong name; on phantoms a false alarm).</summary>
    public int StudiesWithPhaseWarnings { get; init; }

    public static EvaluationSummary From(IReadOnlyList<CaseEvaluation> cases)
    {
        int classes = RenalSubtypes.Names.Count;
        // Cases with a true subtype; a missed tumor counts as a uniform (uninformative) prediction
        // so that failures lower the AUC instead of silently leaving the set.
        var labelled = cases.Where(c => c.TrueSubtype is not null).ToArray();
        var probabilities = labelled.Select(c => c.StudyProbabilities is { Count: > 0 } p ? p.ToArray() : Enumerable.Repeat(1.0 / classes, classes).ToArray()).ToArray();
        var truth = labelled.Select(c => RenalSubtypes.Names.ToList().IndexOf(c.TrueSubtype!)).ToArray();
        var (perClass, macro) = ClassificationMetrics.OneVsRest(probabilities, truth, classes);
        var malignancy = probabilities.Select(p => p.Take(3).Sum()).ToArray();
        double benignMalignant = ClassificationMetrics.Auc(malignancy, truth.Select(t => RenalSubtypes.Malignant.Contains(RenalSubtypes.Names[t])).ToArray());
        // Rows: true subtype; columns: the verdict's most likely subtype, then "none" for a study whose
        // tumor was missed (it is not a guess of the first class, and it is never correct).
        var hasVerdict = labelled.Select(c => c.StudyProbabilities is { Count: > 0 }).ToArray();
        var matrix = Enumerable.Range(0, classes).Select(_ => new int[classes + 1]).ToArray();
        for (int n = 0; n < labelled.Length; n++)
            matrix[truth[n]][hasVerdict[n] ? Array.IndexOf(probabilities[n], probabilities[n].Max()) : classes]++;
        int correct = Enumerable.Range(0, classes).Sum(c => matrix[c][c]);
        var withVerdict = Enumerable.Range(0, labelled.Length).Where(n => hasVerdict[n]).ToArray();
        var (_, macroWithVerdict) = ClassificationMetrics.OneVsRest(withVerdict.Select(n => probabilities[n]).ToArray(),
            withVerdict.Select(n => truth[n]).ToArray(), classes);

        int trueLesions = cases.Sum(c => c.TrueLesions), predictedLesions = cases.Sum(c => c.PredictedLesions);
        return new EvaluationSummary(
            cases.Count,
            cases.Select(c => c.DiceKidneyMasses).DefaultIfEmpty(double.NaN).Average(),
            cases.Where(c => !double.IsNaN(c.DiceTumor)).Select(c => c.DiceTumor).DefaultIfEmpty(double.NaN).Average(),
            trueLesions == 0 ? double.NaN : (double)cases.Sum(c => c.DetectedTrueLesions) / trueLesions,
            predictedLesions == 0 ? double.NaN : (double)cases.Sum(c => c.CorrectPredictedLesions) / predictedLesions,
            RenalSubtypes.Names.Select((name, n) => (name, n)).ToDictionary(x => x.name, x => perClass[x.n]),
            macro,
            benignMalignant,
            matrix,
            labelled.Length == 0 ? double.NaN : (double)correct / labelled.Length,
            cases.Select(c => c.Seconds).DefaultIfEmpty(0).Average(),
            withVerdict.Length,
            macroWithVerdict,
            TumorSizeStratum.From(cases, TumorSizeStratum.DefaultEdgesMm),
            PhaseAlignmentError.From(cases))
        {
            StudiesWithPhaseWarnings = cases.Count(c => c.PhaseWarnings.Count > 0),
        };
    }

    /// <summary>The paper-style table: per-class AUC, then segmentation and detection, then the confusion matrix.</summary>
    public string ToTable()
    {
        var text = new StringBuilder();
        text.AppendLine($"cases {Cases}, mean {MeanSecondsPerCase:F1} s per case");
        text.AppendLine($"{"",-28}{"value",8}");
        text.AppendLine($"{"Dice kidney+masses (mean)",-28}{MeanDiceKidneyMasses,8:F3}");
        text.AppendLine($"{"Dice tumor (mean)",-28}{MeanDiceTumor,8:F3}");
        text.AppendLine($"{"lesion detection recall",-28}{LesionRecall,8:F3}");
        text.AppendLine($"{"lesion detection precision",-28}{LesionPrecision,8:F3}");
        text.AppendLine($"{"phase-check warnings",-28}{$"{StudiesWithPhaseWarnings}/{Cases}",8}");
        text.AppendLine();
        text.AppendLine($"{"subtype (one-vs-rest)",-28}{"AUC",8}");
        foreach (var (name, auc) in AucPerClass) text.AppendLine($"{name,-28}{auc,8:F3}");
        text.AppendLine($"{"macro AUC",-28}{MacroAuc,8:F3}");
        text.AppendLine($"{$"  with a verdict ({StudiesWithVerdict})",-28}{MacroAucWithVerdict,8:F3}");
        text.AppendLine($"{"benign vs malignant AUC",-28}{BenignVsMalignantAuc,8:F3}");
        text.AppendLine($"{"accuracy (argmax)",-28}{Accuracy,8:F3}");
        text.AppendLine();
        text.AppendLine($"{"by largest true tumor radius",-28}{"studies",8}{"Dice",8}{"found",10}{"false",7}{"verdict",9}");
        foreach (var band in ByTumorSize)
            text.AppendLine($"{"  " + band.Name,-28}{band.Studies,8}{band.MeanDiceTumor,8:F3}{$"{band.DetectedTrueLesions}/{band.TrueLesions}",10}" +
                $"{band.FalseLesions,7}{band.StudiesWithVerdict,9}");
        if (AlignmentError.Count > 0)
        {
            // Only phantom cases have a recorded motion, and only a local run has the transforms.
            text.AppendLine();
            text.AppendLine($"{"alignment error vs recorded motion (mm, kidney+mass voxels)",-28}");
            text.AppendLine($"{"  phase",-28}{"studies",8}{"mean",8}{"max",8}{"unmoved",9}{"worse",7}");
            foreach (var phase in AlignmentError)
                text.AppendLine($"{"  " + phase.Phase,-28}{phase.Studies,8}{phase.MeanMm,8:F2}{phase.MaxMm,8:F2}{phase.MeanUnregisteredMm,9:F2}{phase.StudiesMadeWorse,7}");
        }
        text.AppendLine();
        text.AppendLine("confusion (rows truth, columns predicted; none = tumor missed): " + string.Join(" ", RenalSubtypes.Names.Append("none")));
        for (int r = 0; r < ConfusionMatrix.Length; r++)
            text.AppendLine($"{RenalSubtypes.Names[r],-12}" + string.Concat(ConfusionMatrix[r].Select(v => $"{v,6}")));
        return text.ToString();
    }
}
