using RenalGrpc.Imaging;
using RenalGrpc.Imaging.Components;

namespace RenalGrpc.Engine.Analysis;

/// <summary>
/// A stage-1 cyst that enhances is not a simple cyst: a lesion whose median HU rises by at least a
/// threshold from the unenhanced phase N to a contrast phase (A or P) becomes tumor. This is the
/// radiologist's test (Bosniak 2019 calls a rise of 20 HU or more unequivocal enhancement; a simple
/// cyst is water, 0-20 HU, in every phase). Stage 1 reads one phase at a time and calls a necrotic or
/// hypo-enhancing tumor a cyst when that phase shows it dark; the phases on the reference grid show
/// whether it takes up contrast. D is left out: excreted contrast lights up the collecting system in
/// D, and a "cyst" stage 1 drew on the renal pelvis would pass for enhancing. Medians, not means: a
/// small cyst's rim shares voxels with the enhancing cortex.
/// </summary>
public static class EnhancingCysts
{
    private const byte Tumor = 2;
    private const byte Cyst = 3;
    private static readonly string[] ContrastPhases = ["A", "P"];

    /// <summary>
    /// Relabels, inside <paramref name="region"/> of the reference grid, every cyst component of at least
    /// <paramref name="minLesionMl"/> whose median rises by <paramref name="minRiseHu"/> or more from N to A or P.
    /// Nothing changes without N or without both A and P. Components cut by the region's faces are judged on
    /// their part inside and relabelled whole on that part only, so give a region that holds the kidneys.
    /// </summary>
    public static (Volume Labels, int Retyped) Apply(Volume labels, VoxelBounds region, IReadOnlyDictionary<string, Volume> imagesOnReference,
        double minRiseHu, double minLesionMl, Connectivity connectivity)
    {
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentNullException.ThrowIfNull(imagesOnReference);
        if (region.IsEmpty || !imagesOnReference.TryGetValue("N", out var unenhanced)) return (labels, 0);
        var contrast = ContrastPhases.Where(imagesOnReference.ContainsKey).Select(p => imagesOnReference[p]).ToList();
        if (contrast.Count == 0) return (labels, 0);

        var size = labels.Size;
        var sub = new GridSize(region.I1 - region.I0, region.J1 - region.J0, region.K1 - region.K0);
        var mask = new byte[sub.VoxelCount];
        var voxels = labels.Buffer;
        for (int k = 0, n = 0; k < sub.K; k++)
            for (int j = 0; j < sub.J; j++)
                for (int i = 0; i < sub.I; i++, n++)
                    if (voxels[size.Index(i + region.I0, j + region.J0, k + region.K0)] == Cyst) mask[n] = 1;
        var components = ConnectedComponents.Label(mask, sub, connectivity);
        if (components.ComponentCount == 0) return (labels, 0);

        // Reference-grid indices of each component large enough to judge.
        var members = new Dictionary<int, List<long>>();
        double voxelMl = labels.Geometry.VoxelVolumeMl;
        var ids = components.Labels;
        for (int k = 0, n = 0; k < sub.K; k++)
            for (int j = 0; j < sub.J; j++)
                for (int i = 0; i < sub.I; i++, n++)
                {
                    int id = ids[n];
                    if (id == 0 || components.VoxelCount(id) * voxelMl < minLesionMl) continue;
                    if (!members.TryGetValue(id, out var list)) members[id] = list = [];
                    list.Add(size.Index(i + region.I0, j + region.J0, k + region.K0));
                }
        byte[]? result = null;
        int retyped = 0;
        foreach (var at in members.Values)
        {
            double baseline = Median(unenhanced, at);
            double rise = contrast.Max(image => Median(image, at)) - baseline;
            if (!(rise >= minRiseHu)) continue;
            result ??= (byte[])voxels.Clone();
            foreach (long v in at) result[v] = Tumor;
            retyped++;
        }
        return result is null ? (labels, 0) : (new Volume(labels.Geometry, VoxelType.UInt8, result), retyped);
    }

    /// <summary>Median of a float32 volume over the given voxel indices.</summary>
    internal static double Median(Volume image, IReadOnlyList<long> at)
    {
        var values = image.Voxels<float>();
        var picked = new float[at.Count];
        for (int n = 0; n < picked.Length; n++) picked[n] = values[(int)at[n]];
        Array.Sort(picked);
        int middle = picked.Length / 2;
        return picked.Length % 2 == 1 ? picked[middle] : (picked[middle - 1] + picked[middle]) / 2.0;
    }
}
