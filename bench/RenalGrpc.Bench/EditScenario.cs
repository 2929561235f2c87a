using RenalGrpc.Imaging;
using Proto = RenalGrpc.V1;

namespace RenalGrpc.Bench;

/// <summary>
/// The edits of the edit-loop benchmark, made on the client's copy of the labels the way a user
/// would in a segment editor: erase a small ball out of one lesion (its voxels become kidney), then
/// paint a ball of the lesion's label back at the same place. Each pair touches that one lesion;
/// the centres are lesion voxels picked with a fixed seed, so runs are comparable.
/// </summary>
internal sealed class EditScenario
{
    /// <summary>A brush about the size a user paints with in Slicer's Segment Editor.</summary>
    public const double BrushRadiusMm = 6;

    private readonly Volume _labels;
    private readonly int[] _centres;

    private EditScenario(Volume labels, Proto.Lesion lesion, int[] centres)
    {
        _labels = labels;
        Lesion = lesion;
        _centres = centres;
    }

    public Proto.Lesion Lesion { get; }

    public byte LesionLabel => (byte)Lesion.Label;

    /// <summary>
    /// The largest tumor of the diagnosis (else its largest lesion) and <paramref name="pairs"/> brush
    /// centres on its voxels. Null when the diagnosis has no lesion.
    /// </summary>
    public static EditScenario? Choose(Volume labels, Proto.Diagnosis diagnosis, int pairs, int seed)
    {
        var lesion = diagnosis.Lesions.Where(l => l.Label == 2).MaxBy(l => l.VolumeMl) ?? diagnosis.Lesions.MaxBy(l => l.VolumeMl);
        if (lesion is null) return null;
        var box = lesion.BoundingBox;
        var size = labels.Size;
        var inside = new List<int>();
        for (var k = (int)box.K0; k < box.K0 + box.SizeK; k++)
        {
            for (var j = (int)box.J0; j < box.J0 + box.SizeJ; j++)
            {
                for (var i = (int)box.I0; i < box.I0 + box.SizeI; i++)
                {
                    var at = (int)size.Index(i, j, k);
                    if (labels.Buffer[at] == lesion.Label) inside.Add(at);
                }
            }
        }

        // Centres away from the lesion's thinnest parts would be nicer, but any lesion voxel is a real edit.
        var random = new Random(seed);
        var centres = Enumerable.Range(0, pairs).Select(_ => inside[random.Next(inside.Count)]).ToArray();
        return new EditScenario(labels, lesion, centres);
    }

    /// <summary>Edit number <paramref name="n"/> applied to <paramref name="current"/> (a new volume): even n erase, odd n paint.</summary>
    public Volume Apply(Volume current, int n)
    {
        var centre = _centres[n / 2 % _centres.Length];
        var erase = n % 2 == 0;
        var labels = (byte[])current.Buffer.Clone();
        var size = current.Size;
        var spacing = current.Geometry.Spacing;
        int ci = centre % size.I, cj = centre / size.I % size.J, ck = centre / (size.I * size.J);
        int ri = (int)Math.Ceiling(BrushRadiusMm / spacing.X), rj = (int)Math.Ceiling(BrushRadiusMm / spacing.Y), rk = (int)Math.Ceiling(BrushRadiusMm / spacing.Z);
        for (var k = Math.Max(0, ck - rk); k <= Math.Min(size.K - 1, ck + rk); k++)
        {
            for (var j = Math.Max(0, cj - rj); j <= Math.Min(size.J - 1, cj + rj); j++)
            {
                for (var i = Math.Max(0, ci - ri); i <= Math.Min(size.I - 1, ci + ri); i++)
                {
                    double dx = (i - ci) * spacing.X, dy = (j - cj) * spacing.Y, dz = (k - ck) * spacing.Z;
                    if (dx * dx + dy * dy + dz * dz > BrushRadiusMm * BrushRadiusMm) continue;
                    var at = (int)size.Index(i, j, k);
                    if (erase && labels[at] == LesionLabel) labels[at] = 1;
                    else if (!erase) labels[at] = LesionLabel;
                }
            }
        }

        return new Volume(current.Geometry, VoxelType.UInt8, labels);
    }

    /// <summary>The lesion's volume (ml) in a diagnosis: the lesion whose bounding box overlaps the chosen one most, for a sanity line.</summary>
    public double VolumeIn(Proto.Diagnosis diagnosis) =>
        diagnosis.Lesions.Where(l => l.Label == Lesion.Label).MaxBy(l => Overlap(l.BoundingBox, Lesion.BoundingBox))?.VolumeMl ?? 0;

    private static long Overlap(Proto.VoxelBox a, Proto.VoxelBox b)
    {
        long Axis(uint a0, uint aSize, uint b0, uint bSize) => Math.Max(0, (long)Math.Min(a0 + aSize, b0 + bSize) - Math.Max(a0, b0));
        return Axis(a.I0, a.SizeI, b.I0, b.SizeI) * Axis(a.J0, a.SizeJ, b.J0, b.SizeJ) * Axis(a.K0, a.SizeK, b.K0, b.SizeK);
    }

    /// <summary>The labels the scenario started from (revision 1).</summary>
    public Volume Analysed => _labels;
}
