namespace RenalGrpc.Engine.Analysis;

/// <summary>
/// Warns when a tumor's subtype was read from fewer phases than the classifier saw lesions through in
/// training (<see cref="Checkpoints.CheckpointMetadata.ClassifierMinPhases"/>). Why it matters: the
/// classifier reads enhancement between phases, and a missing phase is stood in for by one that was
/// given (<see cref="Classification.PhaseTriplets"/>), which reads as no enhancement. Measured on the
/// validation phantoms (MODEL.md, session 23): 0.4.4, trained on three or four phases, called 28 of the
/// 31 studies it gave a verdict pRCC from N alone (macro AUC 0.53, chance), with probabilities up to 0.9.
/// </summary>
public static class FewPhaseSubtypes
{
    private static readonly string[] PhaseOrder = ["N", "A", "P", "D"];

    /// <summary>One sentence per set of phases the under-covered tumors were read from; empty when none or when the minimum is not recorded.</summary>
    public static IReadOnlyList<string> Warnings(IReadOnlyList<LesionDiagnosis> lesions, int? classifierMinPhases)
    {
        ArgumentNullException.ThrowIfNull(lesions);
        if (classifierMinPhases is not { } least) return [];
        return lesions
            .Where(l => l.SubtypeProbabilities.Count > 0 && l.MeanHu.Count < least)
            .GroupBy(l => Phases(l.MeanHu.Keys))
            .Select(g => $"{LesionWords(g.Select(l => l.Id).ToList())} read from {g.Key}: the classifier was trained on lesions " +
                         $"seen in {least} or more phases, so these subtype probabilities are not validated")
            .ToList();
    }

    private static string Phases(IEnumerable<string> phases)
    {
        var ordered = phases.OrderBy(p => Array.IndexOf(PhaseOrder, p)).ToList();
        return ordered.Count switch
        {
            0 => "no phase",
            1 => $"{ordered[0]} alone",
            _ => $"{string.Join(", ", ordered.Take(ordered.Count - 1))} and {ordered[^1]} only",
        };
    }

    private static string LesionWords(IReadOnlyList<int> ids) => ids.Count == 1
        ? $"the subtype of lesion {ids[0]} is"
        : $"the subtypes of lesions {string.Join(", ", ids.Take(ids.Count - 1))} and {ids[^1]} are";
}
