using System.Globalization;
using Google.Protobuf;
using RenalGrpc.Imaging;
using Proto = RenalGrpc.V1;

namespace RenalGrpc.Cli;

/// <summary>Prints a Diagnosis for people (a lesion table and the verdict) and writes it as protobuf JSON.</summary>
internal static class DiagnosisTable
{
    // Default values included: the report always has subtypeProbabilities (empty without a tumor) and lesions.
    private static readonly JsonFormatter ReportFormatter =
        new(JsonFormatter.Settings.Default.WithFormatDefaultValues(true).WithIndentation());

    public static void Print(Proto.Diagnosis d, TextWriter o)
    {
        var inv = CultureInfo.InvariantCulture;
        o.WriteLine($"reference phase {d.ReferencePhase}   model {d.ModelVersion}");
        if (d.Lesions.Count == 0)
        {
            o.WriteLine("no lesions found");
        }
        else
        {
            var subtypes = RenalSubtypes.Names;
            o.WriteLine(string.Format(inv, "{0,3} {1,-6} {2,9} {3,8} {4,-8} {5,-11} {6,6}  {7}",
                "id", "label", "vol ml", "diam mm", "side", "subtype", "malig", string.Join(" ", subtypes.Select(s => $"{s,10}"))));
            foreach (var l in d.Lesions)
            {
                var probabilities = string.Join(" ", subtypes.Select(s => l.SubtypeProbabilities.TryGetValue(s, out var p) ? string.Format(inv, "{0,10:F3}", p) : $"{"-",10}"));
                o.WriteLine(string.Format(inv, "{0,3} {1,-6} {2,9:F2} {3,8:F1} {4,-8} {5,-11} {6,6}  {7}",
                    l.Id, LabelName(l.Label), l.VolumeMl, l.LargestDiameterMm, l.Side,
                    l.PredictedSubtype.Length == 0 ? "-" : l.PredictedSubtype,
                    l.SubtypeProbabilities.Count == 0 ? "-" : l.MalignancyProbability.ToString("F3", inv),
                    probabilities));
            }
        }

        o.WriteLine($"verdict: {(d.Verdict.Length == 0 ? "-" : d.Verdict)}");
        if (d.SubtypeProbabilities.Count > 0)
        {
            o.WriteLine(string.Format(inv, "study: {0} (malignancy {1:F3}); {2}", d.PredictedSubtype, d.MalignancyProbability,
                string.Join(", ", RenalSubtypes.Names.Select(s => string.Format(inv, "{0} {1:F3}", s, d.SubtypeProbabilities.GetValueOrDefault(s))))));
        }
        PrintRefinement(d.Refinement, o);
        PrintPhaseCheck(d.PhaseCheck, o);
    }

    /// <summary>
    /// The kidneys' HU per phase (median / upper quartile / share at 300 HU or more: the figures the phase rules read),
    /// the kidney overlap after alignment, then a warning line for each phase that does not enhance as named.
    /// </summary>
    private static void PrintPhaseCheck(Proto.PhaseCheck? check, TextWriter o)
    {
        if (check is null) return;
        var inv = CultureInfo.InvariantCulture;
        var phases = "NAPD".Select(c => c.ToString()).ToList();
        var enhancement = phases.Where(check.KidneyUpperQuartileHu.ContainsKey).Select(p => string.Format(inv, "{0} {1} / {2:F0} / {3}", p,
            check.KidneyMedianHu.TryGetValue(p, out double median) ? median.ToString("F0", inv) : "-", check.KidneyUpperQuartileHu[p],
            check.KidneyDenseContrastPercent.TryGetValue(p, out double dense) ? dense.ToString("F1", inv) + "%" : "-")).ToList();
        // No figures when no kidney was found; the warnings (which then say so) are printed all the same.
        if (enhancement.Count > 0) o.WriteLine($"kidney HU per phase (median / upper quartile / voxels at 300 HU or more): {string.Join(", ", enhancement)}");
        var aligned = phases.Where(check.AlignmentKidneyDice.ContainsKey)
            .Select(p => string.Format(inv, "{0} {1:F2}", p, check.AlignmentKidneyDice[p])).ToList();
        if (aligned.Count > 0) o.WriteLine($"kidney overlap after alignment (Dice): {string.Join(", ", aligned)}");
        foreach (var warning in check.Warnings) o.WriteLine($"WARNING {warning}");
    }

    /// <summary>One line on what the kidney-ROI stage did, when the model has one (Analyze only; an edit's diagnosis has none).</summary>
    private static void PrintRefinement(Proto.RoiRefinement? r, TextWriter o)
    {
        if (r is null) return;
        if (!r.Ran)
        {
            o.WriteLine($"kidney-ROI stage skipped: {r.SkippedBecause}");
            return;
        }
        var filled = r.PhasesFilled.Count == 0 ? "" : $"; missing phase(s) {string.Join(", ", r.PhasesFilled)} read as the mean";
        var retyped = r.LesionsRetyped == 0 ? "" : $", {r.LesionsRetyped} lesion(s) changed between tumor and cyst";
        o.WriteLine($"kidney-ROI stage: {r.Boxes} kidney box(es), {r.LesionsAdded} lesion(s) added ({r.VoxelsRelabelled} voxels), {r.ProposalsDropped} candidate(s) set aside (under the size floor or not on kidney){retyped}{filled}");
    }

    /// <summary>The report: the Diagnosis message in protobuf's JSON form (lowerCamelCase keys such as referencePhase).</summary>
    public static void WriteReport(Proto.Diagnosis d, string path) =>
        File.WriteAllText(path, ReportFormatter.Format(d) + Environment.NewLine);

    private static string LabelName(uint value) => KidneyLabels.Find((int)value)?.Name ?? value.ToString(CultureInfo.InvariantCulture);
}
