using RenalGrpc.Engine.Model;
using RenalGrpc.Engine.Preprocessing;
using RenalGrpc.Imaging;
using RenalGrpc.Imaging.Components;
using TorchSharp;
using static TorchSharp.torch;

namespace RenalGrpc.Engine.Analysis;

/// <summary>What the kidney-ROI stage did to the reference labels, or why it did not run.</summary>
/// <param name="PhasesFilled">Phases whose channels read the normalised mean (null: none): those the study lacks, and
/// those whose scan stops short of a box (<see cref="PhaseCoverage"/>).</param>
/// <param name="LesionsRetyped">Stage-1 lesions whose kind (tumor or cyst) it changed (<see cref="RoiRefinementOptions.LesionKindFromRoi"/>).</param>
public sealed record RefinementRecord(int Boxes, int LesionsAdded, long VoxelsRelabelled, int ProposalsDropped, string? SkippedBecause,
    string? PhasesFilled = null, int LesionsRetyped = 0);

/// <summary>
/// The multi-phase kidney-ROI stage (<see cref="RoiRefinementOptions"/>): after alignment, a box of
/// fixed size at the model spacing is centred on each of the (at most two) largest kidney
/// components of the reference labels; the aligned phases are sampled into it as channels, and
/// where the network says tumor on a voxel that stage 1 called kidney, the voxel becomes tumor.
/// It only adds tumor: stage 1's tumors and cysts are left as they are, background only becomes
/// tumor as part of a component mostly anchored on kidney (<see cref="RoiRefinementOptions.MinKidneyShare"/>,
/// off by default), and proposed components under <see cref="RoiRefinementOptions.MinLesionMl"/> are dropped.
/// </summary>
public static class KidneyRoiRefinement
{
    private const byte Background = 0;
    private const byte Kidney = 1;
    private const byte Tumor = 2;
    private const byte Cyst = 3;

    public static (Volume Labels, RefinementRecord Record) Apply(SegmentationUNet network, RoiRefinementOptions options,
        IntensityNormalization normalization, Vec3 modelSpacing, AlignedStudy aligned, Volume labels,
        Connectivity connectivity, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(aligned);
        ArgumentNullException.ThrowIfNull(labels);
        var missing = options.Phases.Where(p => !aligned.ImagesOnReference.ContainsKey(p)).ToList();
        if (missing.Count > options.MaxMissingPhases)
            return (labels, new RefinementRecord(0, 0, 0, 0, options.MaxMissingPhases == 0
                ? $"needs phase(s) {string.Join(", ", missing)}"
                : $"lacks phase(s) {string.Join(", ", missing)}; this network allows at most {options.MaxMissingPhases} missing"));
        string? filled = missing.Count == 0 ? null : string.Join(", ", missing);

        var grid = labels.Geometry;
        var kidneys = KidneyBounds(labels, modelSpacing, options.MinKidneyMl, connectivity);
        if (kidneys.Count == 0) return (labels, new RefinementRecord(0, 0, 0, 0, "no kidney found by stage 1", filled));

        // Proposals live only where the boxes reach: one sub-grid around all of them, not the whole study.
        var crops = kidneys.Select(k => CropGrid(grid, k, options.CropShape, modelSpacing)).ToList();
        var reach = crops.Select(c => ReachOnReference(c, grid)).Aggregate(Union);
        var proposed = new byte[reach.VoxelCount];
        var kinds = options.LesionKindFromRoi ? new LesionKindEvidence(reach) : null;
        var outsideScan = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var crop in crops)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var (tumor, cyst, outside) = ClassProbabilities(network, options, normalization, aligned, crop, withCyst: kinds is not null);
            outsideScan.UnionWith(outside);
            MarkOnReference(tumor, crop, grid, labels.Buffer, reach, proposed, options.TumorProbability, claimBackground: options.MinKidneyShare > 0,
                includeTumor: options.GrowStageOneTumors);
            kinds?.Add(tumor, cyst!, crop, grid);
        }
        var (result, added, relabelled, dropped) = KeepLargeEnough(labels, reach, proposed, options.MinLesionMl, options.MinKidneyShare,
            options.GrowStageOneTumors, connectivity);
        int retyped = 0;
        if (kinds is not null) (result, retyped) = kinds.Retype(result, connectivity);
        if (options.EnhancingCystRiseHu > 0)
        {
            var (checkedLabels, enhancing) = EnhancingCysts.Apply(result, reach, aligned.ImagesOnReference, options.EnhancingCystRiseHu,
                options.MinLesionMl, connectivity);
            (result, retyped) = (checkedLabels, retyped + enhancing);
        }
        if (outsideScan.Count > 0)
            filled = string.Join(", ", options.Phases.Where(p => missing.Contains(p) || outsideScan.Contains(p)));
        return (result, new RefinementRecord(crops.Count, added, relabelled, dropped, null, filled, retyped));
    }

    /// <summary>The box (reference grid) of <paramref name="shape"/> (z, y, x) voxels at the model spacing, centred on the kidney's bounds.</summary>
    public static Geometry CropGrid(Geometry reference, VoxelBounds kidney, IReadOnlyList<int> shape, Vec3 modelSpacing)
    {
        var size = new GridSize(shape[2], shape[1], shape[0]);
        var centre = reference.IndexToPhysical((kidney.I0 + kidney.I1 - 1) / 2.0, (kidney.J0 + kidney.J1 - 1) / 2.0, (kidney.K0 + kidney.K1 - 1) / 2.0);
        var halfExtent = new Vec3(modelSpacing.X * (size.I - 1) / 2, modelSpacing.Y * (size.J - 1) / 2, modelSpacing.Z * (size.K - 1) / 2);
        return new Geometry(size, modelSpacing, centre - reference.Direction * halfExtent, reference.Direction);
    }

    /// <summary>
    /// Bounds (reference voxels) of the at most two largest kidney+mass components. Found on every
    /// n-th voxel, n = model spacing / reference spacing per axis: a box only needs its centre to
    /// within a model voxel, and labelling a 512 x 512 x 200 grid would cost seconds and ~0.5 GB.
    /// </summary>
    private static List<VoxelBounds> KidneyBounds(Volume labels, Vec3 modelSpacing, double minKidneyMl, Connectivity connectivity)
    {
        var size = labels.Size;
        var spacing = labels.Geometry.Spacing;
        int si = Stride(modelSpacing.X, spacing.X), sj = Stride(modelSpacing.Y, spacing.Y), sk = Stride(modelSpacing.Z, spacing.Z);
        var coarse = new GridSize((size.I + si - 1) / si, (size.J + sj - 1) / sj, (size.K + sk - 1) / sk);
        var mask = new byte[coarse.VoxelCount];
        var voxels = labels.Buffer;
        for (int k = 0, n = 0; k < coarse.K; k++)
            for (int j = 0; j < coarse.J; j++)
                for (int i = 0; i < coarse.I; i++, n++)
                    mask[n] = voxels[size.Index(i * si, j * sj, k * sk)] == 0 ? (byte)0 : (byte)1;
        var components = ConnectedComponents.Label(mask, coarse, connectivity);
        double coarseVoxelMl = labels.Geometry.VoxelVolumeMl * si * sj * sk;
        var kept = components.LabelsBySize().Take(2).Where(c => components.VoxelCount(c) * coarseVoxelMl >= minKidneyMl).ToArray();
        var boxes = kept.Select(_ => new[] { int.MaxValue, int.MaxValue, int.MaxValue, -1, -1, -1 }).ToArray();
        var ids = components.Labels;
        for (int k = 0, n = 0; k < coarse.K; k++)
            for (int j = 0; j < coarse.J; j++)
                for (int i = 0; i < coarse.I; i++, n++)
                {
                    int slot = ids[n] == 0 ? -1 : Array.IndexOf(kept, ids[n]);
                    if (slot < 0) continue;
                    var b = boxes[slot];
                    b[0] = Math.Min(b[0], i); b[1] = Math.Min(b[1], j); b[2] = Math.Min(b[2], k);
                    b[3] = Math.Max(b[3], i); b[4] = Math.Max(b[4], j); b[5] = Math.Max(b[5], k);
                }
        return boxes.Select(b => new VoxelBounds(b[0] * si, b[1] * sj, b[2] * sk,
            Math.Min(size.I, b[3] * si + 1), Math.Min(size.J, b[4] * sj + 1), Math.Min(size.K, b[5] * sk + 1))).ToList();
    }

    /// <summary>Voxels this phase sees as outside its scan where the reference phase sees its image.</summary>
    private static long OutsideOnly(ReadOnlySpan<float> phase, ReadOnlySpan<float> reference)
    {
        long count = 0;
        for (int n = 0; n < phase.Length; n++)
        {
            if (phase[n] == PhaseWarp.OutsideHu && reference[n] != PhaseWarp.OutsideHu) count++;
        }
        return count;
    }

    private static int Stride(double model, double reference) => Math.Max(1, (int)Math.Floor(model / reference + 1e-6));

    /// <summary>The network's tumor probability on the crop grid (i fastest), averaged with the left-right mirrored box when asked.</summary>
    public static float[] TumorProbability(SegmentationUNet network, RoiRefinementOptions options, IntensityNormalization normalization,
        AlignedStudy aligned, Geometry crop) => ClassProbabilities(network, options, normalization, aligned, crop, withCyst: false).Tumor;

    /// <summary>
    /// The network's tumor and (when asked) cyst probabilities on the crop grid (i fastest), mirrored-averaged when asked,
    /// and the phases fed as missing because their scan stops short of the box.
    /// </summary>
    public static (float[] Tumor, float[]? Cyst, IReadOnlyList<string> OutsideScan) ClassProbabilities(SegmentationUNet network, RoiRefinementOptions options,
        IntensityNormalization normalization, AlignedStudy aligned, Geometry crop, bool withCyst)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(aligned);
        ArgumentNullException.ThrowIfNull(crop);
        long voxels = crop.VoxelCount;
        var input = new float[options.Phases.Count * voxels];
        for (int c = 0; c < options.Phases.Count; c++)
        {
            // A phase the study lacks stays 0, the normalised mean, as phase dropout taught the network.
            if (!aligned.ImagesOnReference.TryGetValue(options.Phases[c], out var image)) continue;
            PhaseWarp.SampleInto(image, crop, LpsAffine.Identity, input.AsSpan((int)(c * voxels), (int)voxels));
        }
        // A phase whose scan stops short of the box reads air there (see PhaseCoverage): it is made missing
        // (decided on the raw HU, before any channel is normalised) when the network allows one more.
        int missing = options.Phases.Count(p => !aligned.ImagesOnReference.ContainsKey(p));
        int reference = options.Phases.ToList().IndexOf(aligned.ReferencePhase);
        var present = options.Phases.Select(p => aligned.ImagesOnReference.ContainsKey(p)).ToArray();
        var outsideScan = new List<string>();
        for (int c = 0; c < options.Phases.Count && reference >= 0; c++)
        {
            if (c == reference || !present[c] || missing >= options.MaxMissingPhases) continue;
            var channel = input.AsSpan((int)(c * voxels), (int)voxels);
            if (OutsideOnly(channel, input.AsSpan((int)(reference * voxels), (int)voxels)) <= PhaseCoverage.MaxOutsideShare * voxels) continue;
            channel.Clear();
            present[c] = false;
            missing++;
            outsideScan.Add(options.Phases[c]);
        }
        for (int c = 0; c < options.Phases.Count; c++)
        {
            if (!present[c]) continue;
            var channel = input.AsSpan((int)(c * voxels), (int)voxels);
            if (options.AntiAliasing)
            {
                // Sampled again, smoothed: the plain samples above only decided the phase's coverage.
                SmoothedBoxSampling.SampleInto(aligned.ImagesOnReference[options.Phases[c]], crop, normalization, channel);
                continue;
            }
            for (int n = 0; n < channel.Length; n++) channel[n] = normalization.Apply(channel[n]);
        }
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var dtype = network.parameters().First().dtype;
        var x = tensor(input, new long[] { 1, options.Phases.Count, crop.Size.K, crop.Size.J, crop.Size.I }).to_type(dtype);
        var probability = network.forward(x).to_type(ScalarType.Float32).softmax(1);
        if (options.MirrorLeftRight)
        {
            // The crop's i axis is the reference's, which is left-right for axial scans.
            var mirrored = network.forward(x.flip(-1)).to_type(ScalarType.Float32).softmax(1).flip(-1);
            using var one = 1.ToScalar();
            using var two = 2.ToScalar();
            probability = probability.add(mirrored, one).div(two);
        }
        var tumor = probability.select(1, Tumor).contiguous().data<float>().ToArray();
        return (tumor, withCyst ? probability.select(1, Cyst).contiguous().data<float>().ToArray() : null, outsideScan);
    }

    /// <summary>The reference voxels a crop's voxels can be nearest to: its corners' box in reference indices, clipped.</summary>
    internal static VoxelBounds ReachOnReference(Geometry crop, Geometry reference)
    {
        var toReference = PhaseWarp.IndexMap(crop, reference, LpsAffine.Identity).Inverse();
        double[] lo = { double.MaxValue, double.MaxValue, double.MaxValue }, hi = { double.MinValue, double.MinValue, double.MinValue };
        foreach (var ci in new[] { -0.5, crop.Size.I - 0.5 })
            foreach (var cj in new[] { -0.5, crop.Size.J - 0.5 })
                foreach (var ck in new[] { -0.5, crop.Size.K - 0.5 })
                {
                    var r = toReference.Apply(new Vec3(ci, cj, ck));
                    double[] v = { r.X, r.Y, r.Z };
                    for (int a = 0; a < 3; a++) { lo[a] = Math.Min(lo[a], v[a]); hi[a] = Math.Max(hi[a], v[a]); }
                }
        var size = reference.Size;
        return new VoxelBounds(Math.Max(0, (int)Math.Floor(lo[0])), Math.Max(0, (int)Math.Floor(lo[1])), Math.Max(0, (int)Math.Floor(lo[2])),
            Math.Min(size.I, (int)Math.Ceiling(hi[0]) + 1), Math.Min(size.J, (int)Math.Ceiling(hi[1]) + 1), Math.Min(size.K, (int)Math.Ceiling(hi[2]) + 1));
    }

    private static VoxelBounds Union(VoxelBounds a, VoxelBounds b) => a.IsEmpty ? b : b.IsEmpty ? a
        : new(Math.Min(a.I0, b.I0), Math.Min(a.J0, b.J0), Math.Min(a.K0, b.K0), Math.Max(a.I1, b.I1), Math.Max(a.J1, b.J1), Math.Max(a.K1, b.K1));

    internal static GridSize SizeOf(VoxelBounds box) => new(box.I1 - box.I0, box.J1 - box.J0, box.K1 - box.K0);

    /// <summary>
    /// The crop's probabilities on the reference voxels of <paramref name="box"/> (i fastest), interpolated
    /// trilinearly; 0 beyond the crop. Interpolating the probability rather than taking the nearest crop
    /// voxel's class keeps a small lesion round on a finer reference grid instead of a staircase of
    /// model-spacing blocks.
    /// </summary>
    public static float[] ProbabilityOnReference(float[] cropProbability, Geometry crop, Geometry reference, VoxelBounds box)
    {
        ArgumentNullException.ThrowIfNull(cropProbability);
        ArgumentNullException.ThrowIfNull(crop);
        ArgumentNullException.ThrowIfNull(reference);
        var boxSize = SizeOf(box);
        var boxGrid = new Geometry(boxSize, reference.Spacing, reference.IndexToPhysical(box.I0, box.J0, box.K0), reference.Direction);
        var probability = new float[boxSize.VoxelCount];
        PhaseWarp.SampleInto(Volume.FromVoxels<float>(crop, cropProbability), boxGrid, LpsAffine.Identity, probability, outsideValue: 0);
        return probability;
    }

    /// <summary>
    /// Marks (in <paramref name="proposed"/>, indexed inside <paramref name="reach"/>) the voxels stage 1
    /// called kidney (and background, when <paramref name="claimBackground"/>; and tumor, when
    /// <paramref name="includeTumor"/>) where the tumor probability reaches the threshold.
    /// </summary>
    private static void MarkOnReference(float[] tumorProbability, Geometry crop, Geometry reference, byte[] labels, VoxelBounds reach,
        byte[] proposed, double threshold, bool claimBackground, bool includeTumor)
    {
        var own = ReachOnReference(crop, reference);
        if (own.IsEmpty) return;
        var ownSize = SizeOf(own);
        var probability = ProbabilityOnReference(tumorProbability, crop, reference, own);
        var size = reference.Size;
        var sub = SizeOf(reach);
        for (int k = 0, n = 0; k < ownSize.K; k++)
            for (int j = 0; j < ownSize.J; j++)
                for (int i = 0; i < ownSize.I; i++, n++)
                {
                    if (probability[n] < threshold) continue;
                    var label = labels[size.Index(i + own.I0, j + own.J0, k + own.K0)];
                    if (label != Kidney && !(claimBackground && label == Background) && !(includeTumor && label == Tumor)) continue;
                    proposed[sub.Index(i + own.I0 - reach.I0, j + own.J0 - reach.J0, k + own.K0 - reach.K0)] = 1;
                }
    }

    /// <param name="growTumors">Stage-1 tumor voxels are in the proposals and count as anchor like kidney; a
    /// component holding some is a grown lesion, not an added one.</param>
    private static (Volume Labels, int Added, long Relabelled, int Dropped) KeepLargeEnough(Volume labels, VoxelBounds reach, byte[] proposed,
        double minMl, double minKidneyShare, bool growTumors, Connectivity connectivity)
    {
        var sub = SizeOf(reach);
        var components = ConnectedComponents.Label(proposed, sub, connectivity);
        if (components.ComponentCount == 0) return (labels, 0, 0, 0);
        var onKidney = CountOn(components.Labels, components.ComponentCount, labels, reach, Kidney);
        var onTumor = growTumors ? CountOn(components.Labels, components.ComponentCount, labels, reach, Tumor) : new long[components.ComponentCount + 1];
        var keep = new bool[components.ComponentCount + 1];
        int added = 0, kept = 0, dropped = 0;
        for (int c = 1; c <= components.ComponentCount; c++)
        {
            long voxels = components.VoxelCount(c);
            keep[c] = voxels * labels.Geometry.VoxelVolumeMl >= minMl && onKidney[c] + onTumor[c] >= minKidneyShare * voxels;
            if (!keep[c]) dropped++;
            else
            {
                kept++;
                if (onTumor[c] == 0) added++;
            }
        }
        if (kept == 0) return (labels, 0, 0, dropped);
        var result = (byte[])labels.Buffer.Clone();
        long relabelled = 0;
        var ids = components.Labels;
        var size = labels.Size;
        for (int k = 0, n = 0; k < sub.K; k++)
            for (int j = 0; j < sub.J; j++)
                for (int i = 0; i < sub.I; i++, n++)
                {
                    if (ids[n] == 0 || !keep[ids[n]]) continue;
                    long at = size.Index(i + reach.I0, j + reach.J0, k + reach.K0);
                    if (result[at] == Tumor) continue;
                    result[at] = Tumor;
                    relabelled++;
                }
        return (new Volume(labels.Geometry, VoxelType.UInt8, result), added, relabelled, dropped);
    }

    /// <summary>Per component (index = component id), how many of its voxels stage 1 gave <paramref name="label"/>.</summary>
    private static long[] CountOn(int[] ids, int count, Volume labels, VoxelBounds reach, byte label)
    {
        var onKidney = new long[count + 1];
        var sub = SizeOf(reach);
        var size = labels.Size;
        for (int k = 0, n = 0; k < sub.K; k++)
            for (int j = 0; j < sub.J; j++)
                for (int i = 0; i < sub.I; i++, n++)
                    if (ids[n] != 0 && labels.Buffer[size.Index(i + reach.I0, j + reach.J0, k + reach.K0)] == label) onKidney[ids[n]]++;
        return onKidney;
    }
}
