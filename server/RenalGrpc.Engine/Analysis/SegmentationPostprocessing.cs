using RenalGrpc.Imaging;
using RenalGrpc.Imaging.Components;

namespace RenalGrpc.Engine.Analysis;

public sealed record PostprocessingOptions
{
    /// <summary>
    /// Smallest plausible kidney, in ml of kidney + tumor + cyst. An adult kidney holds 120-170 ml;
    /// atrophic or partly resected ones still exceed about 20 ml. 10 ml keeps those and drops the
    /// scattered false-positive islands a network produces elsewhere in the abdomen.
    /// </summary>
    public double MinKidneyMl { get; init; } = 10;

    /// <summary>At most this many kidney components are kept (largest first).</summary>
    public int MaxKidneys { get; init; } = 2;

    /// <summary>Tumor components smaller than this (ml) are fragments, not lesions: relabelled kidney.</summary>
    public double MinTumorMl { get; init; } = 0.5;

    /// <summary>Neighbourhood for all components (26 merges diagonal contacts, which thin slices produce).</summary>
    public Connectivity Connectivity { get; init; } = Connectivity.TwentySix;

    public void Validate()
    {
        if (!(MinKidneyMl >= 0) || !(MinTumorMl >= 0)) throw new ArgumentException("post-processing volume thresholds must not be negative");
        if (MaxKidneys < 1) throw new ArgumentException($"at least one kidney must be kept, got {MaxKidneys}");
    }
}

/// <summary>What post-processing did to one label map, so it can be explained and undone.</summary>
/// <param name="KidneyCandidates">Connected components of labels 1-3 found.</param>
/// <param name="KeptKidneyMl">Volumes (ml, labels 1-3) of the components kept as kidneys, largest first.</param>
/// <param name="RemovedComponents">Components cleared to background: too small, no kidney tissue (label 1), or beyond <see cref="PostprocessingOptions.MaxKidneys"/>.</param>
/// <param name="RemovedVoxels">Voxels cleared to background with them; lesion voxels outside every kept kidney are among them.</param>
/// <param name="RemovedLesionVoxels">Tumor and cyst voxels among <paramref name="RemovedVoxels"/>.</param>
/// <param name="TumorFragments">Tumor components under <see cref="PostprocessingOptions.MinTumorMl"/> relabelled kidney.</param>
/// <param name="TumorFragmentVoxels">Voxels relabelled with them.</param>
public sealed record PostprocessingRecord(
    int KidneyCandidates,
    IReadOnlyList<double> KeptKidneyMl,
    int RemovedComponents,
    long RemovedVoxels,
    long RemovedLesionVoxels,
    int TumorFragments,
    long TumorFragmentVoxels);

/// <summary>
/// Cleans one phase's network labels. A kidney is a connected component of labels {1, 2, 3}
/// (kidney with everything in or on it) that holds some kidney tissue (label 1) and at least
/// <see cref="PostprocessingOptions.MinKidneyMl"/>; the largest two such components are kept and
/// everything else becomes background. Because a lesion belongs to the component of the kidney it
/// lies in or touches, this also removes every tumor or cyst that touches no kept kidney (the
/// largest source of false-positive lesions, PLATFORM.md). Finally tumor components under
/// <see cref="PostprocessingOptions.MinTumorMl"/> are relabelled kidney: they lie inside a kept
/// kidney component, so background would punch a hole in it.
/// </summary>
public static class SegmentationPostprocessing
{
    public static (Volume Labels, PostprocessingRecord Record) Apply(Volume labels, PostprocessingOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(labels);
        options ??= new PostprocessingOptions();
        options.Validate();
        if (labels.VoxelType != VoxelType.UInt8) throw new ArgumentException($"labels must be uint8, got {labels.VoxelType}");
        var geometry = labels.Geometry;
        var values = labels.Voxels<byte>().ToArray();
        var foreground = new byte[values.Length];
        for (int n = 0; n < values.Length; n++) foreground[n] = values[n] is >= 1 and <= 3 ? (byte)1 : (byte)0;
        var components = ConnectedComponents.Label(foreground, geometry.Size, options.Connectivity);

        var kidneyTissue = new long[components.ComponentCount + 1];
        for (int n = 0; n < values.Length; n++) if (values[n] == KidneyLabels.Kidney) kidneyTissue[components.Labels[n]]++;
        var kept = new HashSet<int>();
        var keptMl = new List<double>();
        foreach (int c in components.LabelsBySize())
        {
            double ml = components.VoxelCount(c) * geometry.VoxelVolumeMl;
            if (kept.Count == options.MaxKidneys || ml < options.MinKidneyMl) break;
            if (kidneyTissue[c] == 0) continue;
            kept.Add(c);
            keptMl.Add(ml);
        }

        long removedVoxels = 0, removedLesionVoxels = 0;
        var removed = new HashSet<int>();
        for (int n = 0; n < values.Length; n++)
        {
            int c = components.Labels[n];
            if (c == 0 || kept.Contains(c)) continue;
            removed.Add(c);
            removedVoxels++;
            if (values[n] is KidneyLabels.Tumor or KidneyLabels.Cyst) removedLesionVoxels++;
            values[n] = KidneyLabels.Background;
        }

        var tumors = ConnectedComponents.Label(Mask(values, KidneyLabels.Tumor), geometry.Size, options.Connectivity);
        var fragments = new HashSet<int>();
        for (int c = 1; c <= tumors.ComponentCount; c++)
            if (tumors.VoxelCount(c) * geometry.VoxelVolumeMl < options.MinTumorMl) fragments.Add(c);
        long fragmentVoxels = 0;
        if (fragments.Count > 0)
        {
            for (int n = 0; n < values.Length; n++)
            {
                if (tumors.Labels[n] != 0 && fragments.Contains(tumors.Labels[n]))
                {
                    values[n] = KidneyLabels.Kidney;
                    fragmentVoxels++;
                }
            }
        }
        var record = new PostprocessingRecord(components.ComponentCount, keptMl, removed.Count, removedVoxels, removedLesionVoxels,
            fragments.Count, fragmentVoxels);
        return (new Volume(geometry, VoxelType.UInt8, values), record);
    }

    /// <summary>1 where the label equals <paramref name="label"/>.</summary>
    public static byte[] Mask(ReadOnlySpan<byte> labels, int label)
    {
        var mask = new byte[labels.Length];
        for (int n = 0; n < labels.Length; n++) mask[n] = labels[n] == label ? (byte)1 : (byte)0;
        return mask;
    }
}
