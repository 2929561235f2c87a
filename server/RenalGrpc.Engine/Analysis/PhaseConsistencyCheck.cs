using RenalGrpc.Imaging;

namespace RenalGrpc.Engine.Analysis;

/// <summary>
/// Whether the phases given are the phases named and lined up: how the kidneys enhance per phase
/// (<see cref="PhaseEnhancementRules"/>), and the kidneys' overlap with the reference after the registration.
/// A phase labelled N that is enhanced, a contrast phase that is not, an "A" brighter than P or a "P" holding
/// excreted contrast is a scan given under the wrong phase (an export mislabelled, two selectors swapped) or a
/// failed injection; the classifier reads enhancement between phases and would answer from it without any sign
/// (the 50 saved validation analyses re-scored with A and P swapped: macro AUC 0.905 -> 0.886; A and D 0.859).
/// A phase whose kidneys do not land on the reference's after alignment is read at the wrong place. First of
/// all, the reference scan must show the kidneys whole (<see cref="KidneyCoverage"/>).
/// </summary>
/// <param name="KidneyUpperQuartileHu">
/// 75th percentile of the HU of the kidney voxels (label 1, lesions left out) in each phase's field of
/// view; absent when too few. The parenchyma is the upper part of the label: renal sinus fat, the
/// collecting system and partial volume with perirenal fat pull its lower part down, more the coarser
/// the scan (on the 2.6 mm validation phantoms the median of N reads 5-22 HU and of D 79-105 HU, the
/// upper quartile 27-37 and 108-120).
/// </param>
/// <param name="Warnings">One sentence per phase that does not enhance as its name says, or did not align, or (the reference) does not show the kidneys whole; empty when all is well.</param>
public sealed record PhaseCheckRecord(IReadOnlyDictionary<string, double> KidneyUpperQuartileHu, IReadOnlyList<string> Warnings)
{
    /// <summary>Per phase, the kidneys' median HU (<see cref="KidneyEnhancement.MedianHu"/>).</summary>
    public IReadOnlyDictionary<string, double> KidneyMedianHu { get; init; } = new Dictionary<string, double>();

    /// <summary>Per phase, the share of kidney voxels at 300 HU or more in percent (<see cref="KidneyEnhancement.DenseContrastPercent"/>).</summary>
    public IReadOnlyDictionary<string, double> KidneyDenseContrastPercent { get; init; } = new Dictionary<string, double>();

    /// <summary>When the phases as named break a rule and one renaming fixes it: name given -> phase the scan looks like (<see cref="PhaseEnhancementRules.ConsistentReading"/>).</summary>
    public IReadOnlyDictionary<string, string> LooksLike { get; init; } = new Dictionary<string, string>();

    /// <summary>Per moving phase, the kidneys' Dice with the reference after alignment (<see cref="PhaseAlignment.KidneyDice"/>).</summary>
    public IReadOnlyDictionary<string, double> AlignmentKidneyDice { get; init; } = new Dictionary<string, double>();
}

public static class PhaseConsistencyCheck
{
    /// <summary>Fewest kidney voxels a percentile is taken over (about 2 ml at 2.5 x 2.5 x 5 mm); fewer say nothing.</summary>
    public const int MinKidneyVoxels = 64;

    public static PhaseCheckRecord Check(AlignedStudy aligned, Volume labels)
    {
        ArgumentNullException.ThrowIfNull(aligned);
        ArgumentNullException.ThrowIfNull(labels);
        // The kidney's voxel indices once; each phase then reads only those (a realistic grid is 50 M voxels).
        var kidney = KidneyIndices(labels.Voxels<byte>());
        var byPhase = new SortedDictionary<string, KidneyEnhancement>(StringComparer.Ordinal);
        foreach (var (phase, image) in aligned.ImagesOnReference)
        {
            if (image.VoxelType != VoxelType.Float32 || image.VoxelCount != labels.VoxelCount) continue;
            if (Measure(image.Voxels<float>(), kidney) is { } enhancement) byPhase[phase] = enhancement;
        }
        var dice = new SortedDictionary<string, double>(StringComparer.Ordinal);
        foreach (var alignment in aligned.Alignments)
        {
            if (!double.IsNaN(alignment.KidneyDice)) dice[alignment.Phase] = alignment.KidneyDice;
        }
        var reading = PhaseEnhancementRules.ConsistentReading(byPhase);
        IReadOnlyList<string> readingWarning = reading is null ? [] : [PhaseEnhancementRules.Describe(reading)];
        return new PhaseCheckRecord(
            byPhase.ToDictionary(p => p.Key, p => p.Value.UpperQuartileHu, StringComparer.Ordinal),
            [.. KidneyCoverage.Warnings(labels, aligned.ReferencePhase), .. PhaseEnhancementRules.Violations(byPhase), .. readingWarning,
                .. AlignmentWarnings(aligned.Alignments)])
        {
            KidneyMedianHu = byPhase.ToDictionary(p => p.Key, p => p.Value.MedianHu, StringComparer.Ordinal),
            KidneyDenseContrastPercent = byPhase.ToDictionary(p => p.Key, p => p.Value.DenseContrastPercent, StringComparer.Ordinal),
            LooksLike = reading ?? new Dictionary<string, string>(),
            AlignmentKidneyDice = dice,
        };
    }

    /// <summary>
    /// A phase the registration left alone (no kidney near the reference's: another body region, or a
    /// stage-1 miss), and why. The kidney Dice after alignment is reported but warns of nothing: it
    /// also falls when stage 1 draws a phase's kidneys differently (0.35 for N on the pytest suite's
    /// hand-made phantom, 0.81-0.95 on generated studies), which is not a misaligned phase.
    /// </summary>
    public static IReadOnlyList<string> AlignmentWarnings(IReadOnlyList<PhaseAlignment> alignments)
    {
        ArgumentNullException.ThrowIfNull(alignments);
        return alignments.OrderBy(a => "NAPD".IndexOf(a.Phase, StringComparison.Ordinal))
            .Where(a => a.Note is not null && a.Note.StartsWith($"phase {a.Phase} ", StringComparison.Ordinal))
            .Select(a => $"{a.Note}; its lesion HU and subtype input may be off")
            .ToList();
    }

    private static List<int> KidneyIndices(ReadOnlySpan<byte> labels)
    {
        var indices = new List<int>();
        for (int n = 0; n < labels.Length; n++)
        {
            if (labels[n] == KidneyLabels.Kidney) indices.Add(n);
        }
        return indices;
    }

    /// <summary>Median, upper quartile and dense share over kidney voxels inside the phase's field of view (outside reads exactly <see cref="PhaseWarp.OutsideHu"/>).</summary>
    private static KidneyEnhancement? Measure(ReadOnlySpan<float> image, List<int> kidney)
    {
        var values = new float[kidney.Count];
        int count = 0, dense = 0;
        foreach (int n in kidney)
        {
            float hu = image[n];
            if (hu == PhaseWarp.OutsideHu) continue;
            values[count++] = hu;
            if (hu >= PhaseEnhancementRules.DenseContrastHu) dense++;
        }
        if (count < MinKidneyVoxels) return null;
        var inView = values.AsSpan(0, count);
        inView.Sort();
        return new KidneyEnhancement(Percentile(inView, 0.5), Percentile(inView, 0.75), 100.0 * dense / count);
    }

    /// <summary>Linear interpolation between closest ranks of sorted values, as numpy's default percentile.</summary>
    private static double Percentile(ReadOnlySpan<float> sorted, double fraction)
    {
        double rank = fraction * (sorted.Length - 1);
        int below = (int)Math.Floor(rank);
        int above = Math.Min(below + 1, sorted.Length - 1);
        return sorted[below] + (rank - below) * (sorted[above] - sorted[below]);
    }
}
