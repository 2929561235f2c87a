using RenalGrpc.Engine.Classification;
using RenalGrpc.Imaging;

namespace RenalGrpc.Engine.Analysis;

/// <summary>
/// What the analyzer refuses before any work, each as an <see cref="ArgumentException"/> (the server
/// answers INVALID_ARGUMENT, the CLI exits 2): unknown phase names, voxels that are not numbers,
/// values that are not Hounsfield units, one scan given for two phases, and fields of view whose
/// model grid would not fit in memory.
/// </summary>
public static class StudyInputCheck
{
    /// <summary>
    /// Most voxels one phase may cover on the model grid: 2^26 (256 MB as float32), about 1 x 1 x 2 m at
    /// 2.5 x 2.5 x 5 mm. A CT's field of view is under 0.5 m in-plane and 2 m long; more means a spacing
    /// in the wrong unit (e.g. cm read as mm x 10, or a header's 500 for 0.5), and resampling it would
    /// exhaust memory instead of failing clearly.
    /// </summary>
    public const long MaxModelGridVoxels = 1L << 26;

    /// <summary>
    /// A phase whose lowest voxel is above this (HU) is not a CT in Hounsfield units. Any field of view that
    /// holds a kidney holds perirenal fat (about -100 HU) if not air (-1000); stored DICOM pixel values
    /// without RescaleIntercept (-1024 added back) start near 0 and would be read as dense tissue
    /// everywhere, and the network would answer with a confident diagnosis of nothing.
    /// </summary>
    public const double MaxLowestHu = -50;

    /// <summary>The phases present in N, A, P, D order, or an ArgumentException that says what is wrong.</summary>
    public static List<string> CheckedPhases(IReadOnlyDictionary<string, Volume> phases, Vec3 modelSpacing)
    {
        ArgumentNullException.ThrowIfNull(phases);
        if (phases.Count == 0) throw new ArgumentException("the study has no phase images");
        foreach (var (phase, volume) in phases)
        {
            if (!ReferencePhase.Preference.Contains(phase)) throw new ArgumentException($"unknown phase '{phase}'; expected N, A, P or D");
            if (volume is null) throw new ArgumentException($"phase {phase} has no image");
            CheckFieldOfView(phase, volume.Geometry, modelSpacing);
            // NaN would pass clipping and z-scoring and turn every tile it touches into NaN logits, read
            // as background: a study would come back "no renal mass found" without any error.
            long nonFinite = volume.NonFiniteVoxelCount();
            if (nonFinite > 0)
            {
                throw new ArgumentException($"phase {phase}: {nonFinite} of {volume.VoxelCount} voxels are NaN or infinite; " +
                    "replace them (e.g. with -1024 HU, air, outside the scanned field) before analysing");
            }

            double lowest = volume.ValueRange().Min;
            if (lowest > MaxLowestHu)
            {
                throw new ArgumentException($"phase {phase}: its lowest voxel is {lowest:0.#}, but a CT in Hounsfield units around a kidney " +
                    $"shows fat (about -100 HU) or air (-1000 HU); nothing here is below {MaxLowestHu} HU. Stored DICOM pixel values need " +
                    "RescaleSlope and RescaleIntercept applied (HU = value x slope + intercept) before they are sent");
            }
        }
        var present = PhaseTriplets.ContrastPhases.Prepend(PhaseTriplets.Unenhanced).Where(phases.ContainsKey).ToList();
        RefuseOneScanForTwoPhases(phases, present);
        return present;
    }

    /// <summary>
    /// Two phases with identical voxels are one scan given twice (no two acquisitions agree on every
    /// voxel): the classifier would read "no enhancement" between them and answer from that.
    /// </summary>
    private static void RefuseOneScanForTwoPhases(IReadOnlyDictionary<string, Volume> phases, IReadOnlyList<string> present)
    {
        for (int b = 1; b < present.Count; b++)
        {
            for (int a = 0; a < b; a++)
            {
                if (phases[present[a]].HasSameVoxelsAs(phases[present[b]]))
                    throw new ArgumentException($"phases {present[a]} and {present[b]} hold identical voxels: one scan given for two phases");
            }
        }
    }

    /// <summary>Voxels of <paramref name="geometry"/>'s field of view on a grid of <paramref name="spacing"/> (as the resampler counts them).</summary>
    public static double ModelGridVoxels(Geometry geometry, Vec3 spacing)
    {
        ArgumentNullException.ThrowIfNull(geometry);
        double voxels = 1;
        for (int a = 0; a < 3; a++)
        {
            voxels *= Math.Max(1, Math.Round(geometry.Size[a] * geometry.Spacing[a] / spacing[a], MidpointRounding.ToEven));
        }
        return voxels;
    }

    private static void CheckFieldOfView(string phase, Geometry geometry, Vec3 modelSpacing)
    {
        double voxels = ModelGridVoxels(geometry, modelSpacing);
        if (voxels <= MaxModelGridVoxels) return;
        var s = geometry.Spacing;
        throw new ArgumentException(
            $"phase {phase} spans {geometry.Size[0] * s[0]:0.#} x {geometry.Size[1] * s[1]:0.#} x {geometry.Size[2] * s[2]:0.#} mm " +
            $"({geometry.Size[0]} x {geometry.Size[1]} x {geometry.Size[2]} voxels of {s[0]:0.###} x {s[1]:0.###} x {s[2]:0.###} mm); " +
            $"on the model's {modelSpacing[0]:0.##} x {modelSpacing[1]:0.##} x {modelSpacing[2]:0.##} mm grid that is {voxels:0.##e+0} voxels, " +
            $"over the limit of {MaxModelGridVoxels} (about 1 x 1 x 2 m); check that the spacing is in mm");
    }
}
