using RenalGrpc.Engine.Model;
using RenalGrpc.Imaging;
using RenalGrpc.Imaging.Components;

namespace RenalGrpc.Engine.Analysis;

/// <summary>
/// The kidney-ROI network's tumor and cyst probabilities gathered on the reference voxels its boxes
/// reach, and the decision they give on each stage-1 lesion's kind
/// (<see cref="RoiRefinementOptions.LesionKindFromRoi"/>).
/// </summary>
internal sealed class LesionKindEvidence(VoxelBounds reach)
{
    private const byte Tumor = 2;
    private const byte Cyst = 3;

    /// <summary>A component is judged only when this share of its voxels lies inside a box.</summary>
    private const double MinCoveredShare = 0.9;

    private readonly GridSize _size = KidneyRoiRefinement.SizeOf(reach);
    private readonly float[] _tumor = new float[reach.VoxelCount];
    private readonly float[] _cyst = new float[reach.VoxelCount];
    // Interpolating a box's probabilities reads 0 beyond the box; the same interpolation of a box of
    // ones says how much of each voxel's value came from inside, so the sums divide back to probabilities.
    private readonly float[] _weight = new float[reach.VoxelCount];

    /// <summary>Adds one box's probabilities (crop grid, i fastest).</summary>
    public void Add(float[] tumor, float[] cyst, Geometry crop, Geometry reference)
    {
        var own = KidneyRoiRefinement.ReachOnReference(crop, reference);
        if (own.IsEmpty) return;
        var t = KidneyRoiRefinement.ProbabilityOnReference(tumor, crop, reference, own);
        var c = KidneyRoiRefinement.ProbabilityOnReference(cyst, crop, reference, own);
        var w = KidneyRoiRefinement.ProbabilityOnReference(Enumerable.Repeat(1f, (int)crop.VoxelCount).ToArray(), crop, reference, own);
        var ownSize = KidneyRoiRefinement.SizeOf(own);
        for (int k = 0, n = 0; k < ownSize.K; k++)
            for (int j = 0; j < ownSize.J; j++)
                for (int i = 0; i < ownSize.I; i++, n++)
                {
                    long at = _size.Index(i + own.I0 - reach.I0, j + own.J0 - reach.J0, k + own.K0 - reach.K0);
                    _tumor[at] += t[n];
                    _cyst[at] += c[n];
                    _weight[at] += w[n];
                }
    }

    /// <summary>The labels with every judged lesion given the kind the network says, and how many changed kind.</summary>
    public (Volume Labels, int Retyped) Retype(Volume labels, Connectivity connectivity)
    {
        var result = labels.Buffer;
        var size = labels.Size;
        var changes = new List<(int[] Ids, int Id, byte To)>();
        foreach (var (kind, other) in new[] { (Tumor, Cyst), (Cyst, Tumor) })
        {
            var mask = new byte[_size.VoxelCount];
            for (int k = 0, n = 0; k < _size.K; k++)
                for (int j = 0; j < _size.J; j++)
                    for (int i = 0; i < _size.I; i++, n++)
                        if (result[size.Index(i + reach.I0, j + reach.J0, k + reach.K0)] == kind) mask[n] = 1;
            var components = ConnectedComponents.Label(mask, _size, connectivity);
            int count = components.ComponentCount;
            if (count == 0) continue;
            var covered = new long[count + 1];
            var tumor = new double[count + 1];
            var cyst = new double[count + 1];
            var cut = new bool[count + 1];
            var ids = components.Labels;
            for (int k = 0, n = 0; k < _size.K; k++)
                for (int j = 0; j < _size.J; j++)
                    for (int i = 0; i < _size.I; i++, n++)
                    {
                        int id = ids[n];
                        if (id == 0) continue;
                        if (OnCutFace(i, j, k, size)) cut[id] = true;
                        if (_weight[n] < 0.5f) continue;
                        covered[id]++;
                        tumor[id] += _tumor[n] / _weight[n];
                        cyst[id] += _cyst[n] / _weight[n];
                    }
            for (int id = 1; id <= count; id++)
            {
                if (cut[id] || covered[id] < MinCoveredShare * components.VoxelCount(id)) continue;
                double says = (kind == Tumor ? cyst[id] : tumor[id]) / covered[id];
                double against = (kind == Tumor ? tumor[id] : cyst[id]) / covered[id];
                if (says >= 0.5 && says > against) changes.Add((ids, id, other));
            }
        }
        if (changes.Count == 0) return (labels, 0);
        var retyped = (byte[])result.Clone();
        foreach (var (ids, id, to) in changes)
            for (int k = 0, n = 0; k < _size.K; k++)
                for (int j = 0; j < _size.J; j++)
                    for (int i = 0; i < _size.I; i++, n++)
                        if (ids[n] == id) retyped[size.Index(i + reach.I0, j + reach.J0, k + reach.K0)] = to;
        return (new Volume(labels.Geometry, VoxelType.UInt8, retyped), changes.Count);
    }

    /// <summary>A voxel on a face of the reach that is not a face of the image: its component may go on beyond.</summary>
    private bool OnCutFace(int i, int j, int k, GridSize image) =>
        (i == 0 && reach.I0 > 0) || (j == 0 && reach.J0 > 0) || (k == 0 && reach.K0 > 0)
        || (i == _size.I - 1 && reach.I1 < image.I) || (j == _size.J - 1 && reach.J1 < image.J) || (k == _size.K - 1 && reach.K1 < image.K);
}
