using RenalGrpc.Imaging;
using RenalGrpc.Imaging.Components;

namespace RenalGrpc.Preview;

/// <summary>One renal lesion (connected label 2 or 3 region) found in a phase's label map.</summary>
/// <param name="VoxelCount">Voxels of the component.</param>
/// <param name="VolumeMm3">Physical volume, so lesions of phases with different voxel sizes compare fairly.</param>
/// <param name="Centroid">Mean LPS position of its voxel centres.</param>
public sealed record LesionLocation(long VoxelCount, double VolumeMm3, Vec3 Centroid);

/// <summary>
/// Which axial slice (k) of each phase the preview shows. The focus is the centroid of the largest
/// lesion of all labelled phases, else the centre of the first phase's volume. The phases are separate
/// scans on their own grids, so each phase shows the slice nearest to the focus; a phase with its own
/// labels shows the slice through its own lesion nearest to the focus instead, because the patient
/// moves between phases (breathing shifts of up to about 1 cm) and the labels follow the patient.
/// </summary>
public static class SliceSelection
{
    public static IReadOnlyList<int> Choose(IReadOnlyList<PhaseView> phases)
    {
        ArgumentNullException.ThrowIfNull(phases);
        if (phases.Count == 0) throw new ImagingException("a preview needs at least one phase");
        var lesions = phases.Select(p => p.Labels is null ? [] : FindLesions(p.Labels)).ToList();
        var focus = FocusPoint(phases, lesions);
        var slices = new int[phases.Count];
        for (int n = 0; n < phases.Count; n++)
        {
            var geometry = phases[n].Image.Geometry;
            var target = lesions[n].Count == 0
                ? focus
                : lesions[n].MinBy(l => (l.Centroid - focus).Length)!.Centroid;
            slices[n] = NearestSlice(geometry, target);
        }
        return slices;
    }

    /// <summary>The physical point the slices go through: the largest lesion's centroid, else the first volume's centre.</summary>
    public static Vec3 FocusPoint(IReadOnlyList<PhaseView> phases, IReadOnlyList<IReadOnlyList<LesionLocation>> lesions)
    {
        var largest = lesions.SelectMany(l => l).MaxBy(l => l.VolumeMm3);
        if (largest is not null) return largest.Centroid;
        var size = phases[0].Image.Size;
        return phases[0].Image.Geometry.IndexToPhysical((size.I - 1) / 2.0, (size.J - 1) / 2.0, (size.K - 1) / 2.0);
    }

    /// <summary>The k index whose slice is nearest to a physical point, clamped to the volume.</summary>
    public static int NearestSlice(Geometry geometry, Vec3 point)
    {
        ArgumentNullException.ThrowIfNull(geometry);
        double k = geometry.PhysicalToIndex(point).Z;
        if (!double.IsFinite(k)) throw new ImagingException($"point {point} has no slice index in geometry {geometry}");
        return (int)Math.Clamp(Math.Round(k, MidpointRounding.AwayFromZero), 0, geometry.Size.K - 1);
    }

    /// <summary>Lesions (26-connected label 2 or 3 voxels; a tumour touching a cyst is one lesion) of a label map.</summary>
    public static IReadOnlyList<LesionLocation> FindLesions(Volume labels)
    {
        ArgumentNullException.ThrowIfNull(labels);
        var labeling = ConnectedComponents.Label(labels, v => v is KidneyLabels.Tumor or KidneyLabels.Cyst, Connectivity.TwentySix);
        if (labeling.ComponentCount == 0) return [];
        int count = labeling.ComponentCount;
        var sumI = new double[count + 1];
        var sumJ = new double[count + 1];
        var sumK = new double[count + 1];
        var size = labels.Size;
        var ids = labeling.Labels;
        int n = 0;
        for (int k = 0; k < size.K; k++)
            for (int j = 0; j < size.J; j++)
                for (int i = 0; i < size.I; i++, n++)
                {
                    int id = ids[n];
                    if (id == 0) continue;
                    sumI[id] += i;
                    sumJ[id] += j;
                    sumK[id] += k;
                }
        var geometry = labels.Geometry;
        double voxelMm3 = geometry.Spacing.X * geometry.Spacing.Y * geometry.Spacing.Z;
        var result = new LesionLocation[count];
        for (int id = 1; id <= count; id++)
        {
            long voxels = labeling.VoxelCount(id);
            var centroid = geometry.IndexToPhysical(sumI[id] / voxels, sumJ[id] / voxels, sumK[id] / voxels);
            result[id - 1] = new LesionLocation(voxels, voxels * voxelMm3, centroid);
        }
        return result;
    }
}
