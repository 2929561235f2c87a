using RenalGrpc.Imaging;
using RenalGrpc.Imaging.Components;

namespace RenalGrpc.Engine.Analysis;

/// <summary>
/// Which phases saw a lesion. The phases of a study are separate scans with their own z-ranges: a
/// phase may stop short of a lesion the reference phase shows. Its aligned image reads exactly
/// <see cref="PhaseWarp.OutsideHu"/> there (air), and measuring or classifying the lesion from it
/// would average air into the lesion's HU and feed the classifier a blank channel: for that lesion
/// the phase is treated as missing, as the paper treats a phase that was not acquired.
/// </summary>
public static class PhaseCoverage
{
    /// <summary>
    /// Share of a lesion's voxels that may lie outside a phase's field of view for the phase still to count
    /// (a lesion cut by the edge of a scan is measured from the part the scan holds, when that is most of it).
    /// No voxel inside a renal lesion is air, so a real image never reads exactly -1000 HU there.
    /// </summary>
    public const double MaxOutsideShare = 0.1;

    /// <summary>The images whose field of view holds the lesion (the reference phase's always does).</summary>
    public static IReadOnlyDictionary<string, Volume> Covering(IReadOnlyDictionary<string, Volume> imagesOnReference, ComponentRuns lesion)
    {
        ArgumentNullException.ThrowIfNull(imagesOnReference);
        ArgumentNullException.ThrowIfNull(lesion);
        var covering = new Dictionary<string, Volume>(StringComparer.Ordinal);
        foreach (var (phase, image) in imagesOnReference)
        {
            if (image.VoxelType != VoxelType.Float32 || lesion.CountOf(image.Voxels<float>(), PhaseWarp.OutsideHu) <= MaxOutsideShare * lesion.VoxelCount)
                covering[phase] = image;
        }
        return covering;
    }
}
