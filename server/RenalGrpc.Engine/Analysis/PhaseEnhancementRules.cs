using System.Globalization;

namespace RenalGrpc.Engine.Analysis;

/// <summary>What one phase's kidney voxels (label 1, lesions left out, inside the phase's field of view) read.</summary>
/// <param name="MedianHu">50th percentile. Falls with a dark medulla: lower in the corticomedullary phase than in the nephrographic.</param>
/// <param name="UpperQuartileHu">75th percentile: the parenchyma (renal sinus fat and partial volume pull the lower part down).</param>
/// <param name="DenseContrastPercent">Share of the voxels at <see cref="PhaseEnhancementRules.DenseContrastHu"/> or more, in percent: excreted contrast in the collecting system.</param>
public readonly record struct KidneyEnhancement(double MedianHu, double UpperQuartileHu, double DenseContrastPercent);

/// <summary>
/// Whether the phases enhance in the order their names say, from textbook renal physiology (shared/DATASET.md
/// quotes the literature's means): parenchyma is 30-40 HU unenhanced and 100-200 HU in every contrast phase; in the
/// corticomedullary phase (A) the medulla is still dark (80 against the cortex's 180) so the kidney's median is
/// lower than in the nephrographic phase (P, both about 170); by the excretory phase (D) the parenchyma fades (120)
/// and contrast fills the collecting system (300-800). The first two rules (an enhanced N, an unenhanced contrast
/// phase) are absolute; the others compare two phases of the study, so they warn only on a reversal, not on a
/// patient who enhances more or less than the textbook.
/// Measured on the 150 saved validation, val2 and held-out phantom analyses (MODEL.md, Limits): no rule fires on the
/// phases as given; with any two phases swapped (N, A, P, D, and the same with one or two phases left out) some rule
/// fires on every study, and <see cref="ConsistentReading"/> names the swap.
/// </summary>
public static class PhaseEnhancementRules
{
    /// <summary>
    /// Kidney upper quartile (HU) separating unenhanced from enhanced parenchyma: midway between unenhanced
    /// kidney (30-40) and the weakest contrast phase (excretory, about 110). On 150 validation and held-out
    /// phantom studies N read 27-37 HU and A, P, D 108-167 HU.
    /// </summary>
    public const double EnhancedKidneyHu = 70;

    /// <summary>
    /// Excreted contrast: the collecting system in the excretory phase (300-800 HU on the phantoms, more on CT urograms).
    /// Enhancing parenchyma stays below it (phantom A and P: no kidney voxel at 300 HU in 150 studies).
    /// </summary>
    public const double DenseContrastHu = 300;

    /// <summary>
    /// Least share of dense kidney voxels (percent) that counts as excreted contrast in a phase named A or P: renal
    /// artery branches in the sinus may read 300 HU in an arterial scan, over far fewer voxels. Phantom D: 0-4.3%, mean 1.9%.
    /// </summary>
    public const double ExcretedContrastPercent = 0.5;

    /// <summary>
    /// How far A's kidney median must read above P's to count as reversed (phantoms as given: A 22-44 HU below P).
    /// </summary>
    public const double CorticomedullaryMarginHu = 10;

    /// <summary>
    /// How far D's upper quartile must read above A's or P's to count as reversed (phantoms as given: D 15-34 HU
    /// below A, 42-53 below P).
    /// </summary>
    public const double FadingMarginHu = 10;

    private static readonly string[] Order = ["N", "A", "P", "D"];

    /// <summary>One sentence per rule the phases as named break, in N, A, P, D order; empty when none.</summary>
    public static IReadOnlyList<string> Violations(IReadOnlyDictionary<string, KidneyEnhancement> byPhase)
    {
        ArgumentNullException.ThrowIfNull(byPhase);
        var found = new List<string>();
        var inv = CultureInfo.InvariantCulture;
        foreach (var phase in Order.Where(byPhase.ContainsKey))
        {
            double hu = byPhase[phase].UpperQuartileHu;
            if (phase == "N" && hu >= EnhancedKidneyHu)
            {
                found.Add(string.Create(inv, $"phase N: the kidneys' upper quartile reads {hu:F0} HU, enhanced parenchyma (unenhanced kidney is 30-40 HU): is N a contrast phase?"));
            }
            else if (phase != "N" && hu < EnhancedKidneyHu)
            {
                found.Add(string.Create(inv, $"phase {phase}: the kidneys' upper quartile reads {hu:F0} HU, no contrast enhancement (contrast phases reach 100-200 HU): an unenhanced scan given as {phase}, or a failed injection?"));
            }
        }
        if (byPhase.TryGetValue("A", out var a) && byPhase.TryGetValue("P", out var p) && a.MedianHu >= p.MedianHu + CorticomedullaryMarginHu)
        {
            found.Add(string.Create(inv, $"phase A: the kidneys' median reads {a.MedianHu:F0} HU, above P's {p.MedianHu:F0}: in the corticomedullary phase the medulla is still dark, so A reads lower than P. Are A and P swapped?"));
        }
        if (byPhase.TryGetValue("D", out var d))
        {
            foreach (var phase in (string[])["A", "P"])
            {
                if (!byPhase.TryGetValue(phase, out var x)) continue;
                if (x.DenseContrastPercent >= ExcretedContrastPercent && x.DenseContrastPercent > 2 * d.DenseContrastPercent)
                {
                    found.Add(string.Create(inv, $"phase {phase}: {x.DenseContrastPercent:F1}% of the kidney voxels read {DenseContrastHu:F0} HU or more, excreted contrast, against {d.DenseContrastPercent:F1}% in D: is {phase} the excretory scan?"));
                }
                if (d.UpperQuartileHu >= x.UpperQuartileHu + FadingMarginHu)
                {
                    found.Add(string.Create(inv, $"phase D: the kidneys' upper quartile reads {d.UpperQuartileHu:F0} HU, above {phase}'s {x.UpperQuartileHu:F0}: the parenchyma fades by the excretory phase. Are {phase} and D swapped?"));
                }
            }
        }
        return found;
    }

    /// <summary>
    /// When the phases as named break a rule: the one renaming of the scans given (a permutation of the phase names
    /// present) under which none breaks, as "name given -> phase it looks like" for the scans it moves. Null when the
    /// phases as named break nothing, when no renaming fixes them (a failed injection, a scan unlike any phase) or when
    /// several do (too little to tell which).
    /// </summary>
    public static IReadOnlyDictionary<string, string>? ConsistentReading(IReadOnlyDictionary<string, KidneyEnhancement> byPhase)
    {
        ArgumentNullException.ThrowIfNull(byPhase);
        if (byPhase.Count < 2 || Violations(byPhase).Count == 0) return null;
        var names = Order.Where(byPhase.ContainsKey).ToArray();
        Dictionary<string, string>? found = null;
        foreach (var looksLike in Permutations(names))
        {
            // Scan given as names[i] read as looksLike[i].
            var renamed = names.Select((given, i) => (looksLike[i], byPhase[given])).ToDictionary(t => t.Item1, t => t.Item2, StringComparer.Ordinal);
            if (Violations(renamed).Count > 0) continue;
            if (found is not null) return null;
            found = names.Select((given, i) => (given, looksLike[i])).Where(t => t.given != t.Item2).ToDictionary(t => t.given, t => t.Item2, StringComparer.Ordinal);
        }
        return found;
    }

    /// <summary>The sentence for a reading from <see cref="ConsistentReading"/>: "the scan given as A looks like P, the one given as P like A".</summary>
    public static string Describe(IReadOnlyDictionary<string, string> reading)
    {
        ArgumentNullException.ThrowIfNull(reading);
        var moves = Order.Where(reading.ContainsKey).Select((given, i) =>
            i == 0 ? $"the scan given as {given} looks like {reading[given]}" : $"the one given as {given} like {reading[given]}");
        return $"the phases read consistently if renamed: {string.Join(", ", moves)}";
    }

    private static IEnumerable<string[]> Permutations(string[] items)
    {
        if (items.Length <= 1)
        {
            yield return items;
            yield break;
        }
        for (int i = 0; i < items.Length; i++)
        {
            var rest = items.Where((_, j) => j != i).ToArray();
            foreach (var tail in Permutations(rest)) yield return [items[i], .. tail];
        }
    }
}
