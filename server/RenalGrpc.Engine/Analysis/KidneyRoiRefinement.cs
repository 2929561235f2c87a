using RenalGrpc.Engine.Model;
using RenalGrpc.Engine.Preprocessing;
using RenalGrpc.Imaging;
using RenalGrpc.Imaging.Components;
using static TorchSharp.torch;

namespace RenalGrpc.Engine.Analysis;

/// <summary>What the kidney-ROI stage did to the reference labels, or why it did not run.</summary>
public sealed record RefinementRecord(int Boxes, int LesionsAdded, long VoxelsRelabelled, int ProposalsDropped, string? SkippedBecause);

/// <summary>
/// The multi-phase kidney-ROI stage (<see cref="RoiRefinementOptions"/>): after alignment, a box of
/// fixed size at the model spacing is centred on each of the (at most two) largest kidney
/// components of the reference labels; the aligned phases are sampled into it as channels, and
/// where the network says tumor on a voxel that stage 1 called kidney, the voxel becomes tumor.
/// It only adds tumor inside kidney: stage 1's tumors, cysts and background are left as they are,
/// and proposed components under <see cref="RoiRefinementOptions.MinLesionMl"/> are dropped.
/// </summary>
public static class KidneyRoiRefinement
{
    private const byte Kidney = 1;
    private const byte Tumor = 2;

    public static (Volume Labels, RefinementRecord Record) Apply(SegmentationUNet network, RoiRefinementOptions options,
        IntensityNormalization normalization, Vec3 modelSpacing, AlignedStudy aligned, Volume labels,
        Connectivity connectivity, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(aligned);
        ArgumentNullException.ThrowIfNull(labels);
        var missing = options.Phases.Where(p => !aligned.ImagesOnReference.ContainsKey(p)).ToList();
        if (missing.Count > 0)
            return (labels, new RefinementRecord(0, 0, 0, 0, $"needs phase(s) {string.Join(", ", missing)}"));

        var grid = labels.Geometry;
        // Byte masks, not the float copy the Volume overloads make (208 MB for a 512 x 512 x 200 grid).
        var foreground = new byte[labels.VoxelCount];
        for (int n = 0; n < foreground.Length; n++) foreground[n] = labels.Buffer[n] == 0 ? (byte)0 : (byte)1;
        var kidneys = ConnectedComponents.Label(foreground, grid.Size, connectivity);
        var kept = kidneys.LabelsBySize().Take(2).Where(c => kidneys.VoxelCount(c) * grid.VoxelVolumeMl >= options.MinKidneyMl).ToArray();
        if (kept.Length == 0) return (labels, new RefinementRecord(0, 0, 0, 0, "no kidney found by stage 1"));
        var bounds = BoundsOf(kidneys, kept);

        var proposed = new byte[labels.VoxelCount];
        foreach (var box in bounds)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var crop = CropGrid(grid, box, options.CropShape, modelSpacing);
            var tumor = PredictTumor(network, options, normalization, aligned, crop);
            MarkOnReference(tumor, crop, grid, labels.Buffer, proposed);
        }
        var (result, added, relabelled, dropped) = KeepLargeEnough(labels, proposed, options.MinLesionMl, connectivity);
        return (result, new RefinementRecord(bounds.Count, added, relabelled, dropped, null));
    }

    /// <summary>The box (reference grid) of <paramref name="shape"/> (z, y, x) voxels at the model spacing, centred on the kidney's bounds.</summary>
    public static Geometry CropGrid(Geometry reference, VoxelBounds kidney, IReadOnlyList<int> shape, Vec3 modelSpacing)
    {
        var size = new GridSize(shape[2], shape[1], shape[0]);
        var centre = reference.IndexToPhysical((kidney.I0 + kidney.I1 - 1) / 2.0, (kidney.J0 + kidney.J1 - 1) / 2.0, (kidney.K0 + kidney.K1 - 1) / 2.0);
        var halfExtent = new Vec3(modelSpacing.X * (size.I - 1) / 2, modelSpacing.Y * (size.J - 1) / 2, modelSpacing.Z * (size.K - 1) / 2);
        return new Geometry(size, modelSpacing, centre - reference.Direction * halfExtent, reference.Direction);
    }

    private static List<VoxelBounds> BoundsOf(ComponentLabeling labeling, int[] components)
    {
        var size = labeling.Size;
        var boxes = components.Select(_ => new[] { int.MaxValue, int.MaxValue, int.MaxValue, -1, -1, -1 }).ToArray();
        var slot = components.Select((c, n) => (c, n)).ToDictionary(p => p.c, p => p.n);
        var voxels = labeling.Labels;
        for (int k = 0, n = 0; k < size.K; k++)
            for (int j = 0; j < size.J; j++)
                for (int i = 0; i < size.I; i++, n++)
                {
                    if (voxels[n] == 0 || !slot.TryGetValue(voxels[n], out int s)) continue;
                    var b = boxes[s];
                    b[0] = Math.Min(b[0], i); b[1] = Math.Min(b[1], j); b[2] = Math.Min(b[2], k);
                    b[3] = Math.Max(b[3], i); b[4] = Math.Max(b[4], j); b[5] = Math.Max(b[5], k);
                }
        return boxes.Select(b => new VoxelBounds(b[0], b[1], b[2], b[3] + 1, b[4] + 1, b[5] + 1)).ToList();
    }

    /// <summary>1 where the network's argmax is tumor, on the crop grid (i fastest).</summary>
    private static byte[] PredictTumor(SegmentationUNet network, RoiRefinementOptions options, IntensityNormalization normalization,
        AlignedStudy aligned, Geometry crop)
    {
        long voxels = crop.VoxelCount;
        var input = new float[options.Phases.Count * voxels];
        for (int c = 0; c < options.Phases.Count; c++)
        {
            var hu = PhaseWarp.Image(aligned.ImagesOnReference[options.Phases[c]], crop, LpsAffine.Identity).Voxels<float>();
            var channel = input.AsSpan((int)(c * voxels), (int)voxels);
            for (int n = 0; n < channel.Length; n++) channel[n] = normalization.Apply(hu[n]);
        }
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var dtype = network.parameters().First().dtype;
        var x = tensor(input, new long[] { 1, options.Phases.Count, crop.Size.K, crop.Size.J, crop.Size.I }).to_type(dtype);
        var argmax = network.forward(x).argmax(1).to_type(ScalarType.Byte);
        var classes = argmax.data<byte>().ToArray();
        for (int n = 0; n < classes.Length; n++) classes[n] = classes[n] == Tumor ? (byte)1 : (byte)0;
        return classes;
    }

    /// <summary>Marks reference voxels that stage 1 called kidney and whose nearest crop voxel is tumor.</summary>
    private static void MarkOnReference(byte[] tumor, Geometry crop, Geometry reference, byte[] labels, byte[] proposed)
    {
        var toCrop = PhaseWarp.IndexMap(crop, reference, LpsAffine.Identity);
        var toReference = toCrop.Inverse();
        // The reference voxels that can fall in the crop: the crop corners' bounding box in reference indices.
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
        int i0 = Math.Max(0, (int)Math.Floor(lo[0])), j0 = Math.Max(0, (int)Math.Floor(lo[1])), k0 = Math.Max(0, (int)Math.Floor(lo[2]));
        int i1 = Math.Min(size.I - 1, (int)Math.Ceiling(hi[0])), j1 = Math.Min(size.J - 1, (int)Math.Ceiling(hi[1])), k1 = Math.Min(size.K - 1, (int)Math.Ceiling(hi[2]));
        var cropSize = crop.Size;
        for (int k = k0; k <= k1; k++)
            for (int j = j0; j <= j1; j++)
                for (int i = i0; i <= i1; i++)
                {
                    long n = size.Index(i, j, k);
                    if (labels[n] != Kidney) continue;
                    var p = toCrop.Apply(new Vec3(i, j, k));
                    int ci = (int)Math.Floor(p.X + 0.5), cj = (int)Math.Floor(p.Y + 0.5), ck = (int)Math.Floor(p.Z + 0.5);
                    if (ci < 0 || cj < 0 || ck < 0 || ci >= cropSize.I || cj >= cropSize.J || ck >= cropSize.K) continue;
                    if (tumor[cropSize.Index(ci, cj, ck)] != 0) proposed[n] = 1;
                }
    }

    private static (Volume Labels, int Added, long Relabelled, int Dropped) KeepLargeEnough(Volume labels, byte[] proposed, double minMl,
        Connectivity connectivity)
    {
        var components = ConnectedComponents.Label(proposed, labels.Geometry.Size, connectivity);
        if (components.ComponentCount == 0) return (labels, 0, 0, 0);
        var keep = new bool[components.ComponentCount + 1];
        int added = 0, dropped = 0;
        for (int c = 1; c <= components.ComponentCount; c++)
        {
            keep[c] = components.VoxelCount(c) * labels.Geometry.VoxelVolumeMl >= minMl;
            if (keep[c]) added++; else dropped++;
        }
        var result = (byte[])labels.Buffer.Clone();
        long relabelled = 0;
        var ids = components.Labels;
        for (int n = 0; n < result.Length; n++)
        {
            if (ids[n] == 0 || !keep[ids[n]]) continue;
            result[n] = Tumor;
            relabelled++;
        }
        return (added == 0 ? labels : new Volume(labels.Geometry, VoxelType.UInt8, result), added, relabelled, dropped);
    }
}
