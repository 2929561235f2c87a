using System.Globalization;
using RenalGrpc.Imaging;

namespace RenalGrpc.Engine.Analysis;

/// <summary>
/// Whether the phases given are the phases named and lined up: kidney enhancement per phase, and the
/// kidneys' overlap with the reference after the registration. Renal parenchyma is
/// 30-40 HU unenhanced and 100-200 HU in every contrast phase (corticomedullary, nephrographic,
/// excretory; shared/DATASET.md quotes the literature's means: cortex 35 / 180 / 170 / 120).
/// A phase labelled N that is enhanced, or a contrast phase that is not, is a scan given under
/// the wrong phase (an export mislabelled, two selectors swapped) or a failed injection; the
/// classifier reads enhancement between phases and would answer from it without any sign. A phase
/// whose kidneys do not land on the reference's after alignment is read at the wrong place.
/// </summary>
/// <param name="KidneyUpperQuartileHu">
/// 75th percentile of the HU of the kidney voxels (label 1, lesions left out) in each phase's field of
/// view; absent when too few. The parenchyma is the upper part of the label: renal sinus fat, the
/// collecting system and partial volume with perirenal fat pull its lower part down, more the coarser
/// the scan (on the 2.6 mm validation phantoms the median of N reads 5-22 HU and of D 79-105 HU, the
/// upper quartile 27-37 and 108-120).
/// </param>
/// <param name="Warnings">One sentence per phase that does not enhance as its name says, or did not align; empty when all did.</param>
public sealed record PhaseCheckRecord(IReadOnlyDictionary<string, double> KidneyUpperQuartileHu, IReadOnlyList<string> Warnings)
{
    /// <summary>Per moving phase, the kidneys' Dice with the reference after alignment (<see cref="PhaseAlignment.KidneyDice"/>).</summary>
    public IReadOnlyDictionary<string, double> AlignmentKidneyDice { get; init; } = new Dictionary<string, double>();
}

public static class PhaseConsistencyCheck
{
    /// <summary>
    /// Kidney upper quartile (HU) separating unenhanced from enhanced parenchyma: midway between unenhanced
    /// kidney (30-40) and the weakest contrast phase (excretory, about 110). On 150 validation and held-out
    /// phantom studies N read 27-37 HU and A, P, D 108-167 HU.
    /// </summary>
    public const double EnhancedKidneyHu = 70;

    /// <summary>Fewest kidney voxels a quartile is taken over (about 2 ml at 2.5 x 2.5 x 5 mm); fewer say nothing.</summary>
    public const int MinKidneyVoxels = 64;

    public static PhaseCheckRecord Check(AlignedStudy aligned, Volume labels)
    {
        ArgumentNullException.ThrowIfNull(aligned);
        ArgumentNullException.ThrowIfNull(labels);
        // The kidney's voxel indices once; each phase then reads only those (a realistic grid is 50 M voxels).
        var kidney = KidneyIndices(labels.Voxels<byte>());
        var quartiles = new SortedDictionary<string, double>(StringComparer.Ordinal);
        foreach (var (phase, image) in aligned.ImagesOnReference)
        {
            if (image.VoxelType != VoxelType.Float32 || image.VoxelCount != labels.VoxelCount) continue;
            if (KidneyUpperQuartile(image.Voxels<float>(), kidney) is { } quartile) quartiles[phase] = quartile;
        }
        var dice = new SortedDictionary<string, double>(StringComparer.Ordinal);
        foreach (var alignment in aligned.Alignments)
        {
            if (!double.IsNaN(alignment.KidneyDice)) dice[alignment.Phase] = alignment.KidneyDice;
        }
        return new PhaseCheckRecord(quartiles, [.. Warnings(quartiles), .. AlignmentWarnings(aligned.Alignments)])
        {
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

    /// <summary>The warnings for given kidney upper quartiles (N, A, P, D keys); pure, so the rule reads in one place.</summary>
    public static IReadOnlyList<string> Warnings(IReadOnlyDictionary<string, double> kidneyUpperQuartileHu)
    {
        ArgumentNullException.ThrowIfNull(kidneyUpperQuartileHu);
        var warnings = new List<string>();
        foreach (var phase in (string[])["N", "A", "P", "D"])
        {
            if (!kidneyUpperQuartileHu.TryGetValue(phase, out double hu)) continue;
            bool unenhanced = phase == "N";
            if (unenhanced && hu >= EnhancedKidneyHu)
            {
                warnings.Add(string.Create(CultureInfo.InvariantCulture,
                    $"phase N: the kidneys' upper quartile reads {hu:F0} HU, enhanced parenchyma (unenhanced kidney is 30-40 HU): is N a contrast phase?"));
            }
            else if (!unenhanced && hu < EnhancedKidneyHu)
            {
                warnings.Add(string.Create(CultureInfo.InvariantCulture,
                    $"phase {phase}: the kidneys' upper quartile reads {hu:F0} HU, no contrast enhancement (contrast phases reach 100-200 HU): an unenhanced scan given as {phase}, or a failed injection?"));
            }
        }
        return warnings;
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

    /// <summary>75th percentile over kidney voxels inside the phase's field of view (outside reads exactly <see cref="PhaseWarp.OutsideHu"/>).</summary>
    private static double? KidneyUpperQuartile(ReadOnlySpan<float> image, List<int> kidney)
    {
        var values = new float[kidney.Count];
        int count = 0;
        foreach (int n in kidney)
        {
            if (image[n] != PhaseWarp.OutsideHu) values[count++] = image[n];
        }
        if (count < MinKidneyVoxels) return null;
        var inView = values.AsSpan(0, count);
        inView.Sort();
        // Linear interpolation between closest ranks, as numpy's default percentile.
        double rank = 0.75 * (count - 1);
        int below = (int)Math.Floor(rank);
        int above = Math.Min(below + 1, count - 1);
        return inView[below] + (rank - below) * (inView[above] - inView[below]);
    }
}
