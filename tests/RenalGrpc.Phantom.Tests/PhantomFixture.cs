using RenalGrpc.Imaging;

namespace RenalGrpc.Phantom.Tests;

/// <summary>Renders small cases through the library and measures HU per tissue from the generator's tissue map.</summary>
internal static class PhantomFixture
{
    public static PhantomOptions Options(int seed = 11) => new() { Cases = 20, Seed = seed, Size = ScanSize.Small };

    public static CaseSpec Spec(int index, RenalSubtype? subtype, bool cyst = false, int seed = 11) =>
        CaseDrawer.Draw(new CaseAssignment(index, subtype, cyst), Options(seed));

    /// <summary>The first case index (from 0) whose drawn spec satisfies the predicate: lets a test pick a feature deterministically.</summary>
    public static CaseSpec FindSpec(RenalSubtype subtype, Func<CaseSpec, bool> predicate, bool cyst = false)
    {
        for (int index = 0; index < 500; index++)
        {
            var spec = Spec(index, subtype, cyst);
            if (predicate(spec)) return spec;
        }
        throw new InvalidOperationException($"no {subtype} case in 500 draws satisfies the condition");
    }

    public static PhaseScan[] RenderAll(CaseSpec spec) => spec.Scans.Select(s => PhaseRenderer.Render(spec, s)).ToArray();

    /// <summary>
    /// Voxels of a tissue whose whole 3x3x3 neighbourhood is that tissue: the blur cannot have mixed
    /// anything else into them, so their mean is the tissue's own HU plus zero-mean noise.
    /// </summary>
    public static List<short> InteriorValues(PhaseScan scan, Tissue tissue, Func<long, bool>? extra = null)
    {
        var size = scan.Image.Size;
        var image = scan.Image.Voxels<short>();
        var map = scan.TissueMap;
        var values = new List<short>();
        for (int k = 1; k < size.K - 1; k++)
            for (int j = 1; j < size.J - 1; j++)
                for (int i = 1; i < size.I - 1; i++)
                {
                    long at = size.Index(i, j, k);
                    if (map[at] != (byte)tissue || !Interior(map, size, i, j, k)) continue;
                    if (extra is not null && !extra(at)) continue;
                    values.Add(image[(int)at]);
                }
        return values;
    }

    private static bool Interior(byte[] map, GridSize size, int i, int j, int k)
    {
        byte t = map[size.Index(i, j, k)];
        for (int dk = -1; dk <= 1; dk++)
            for (int dj = -1; dj <= 1; dj++)
                for (int di = -1; di <= 1; di++)
                    if (map[size.Index(i + di, j + dj, k + dk)] != t) return false;
        return true;
    }

    public static double Mean(IReadOnlyCollection<short> values) => values.Count == 0 ? double.NaN : values.Average(v => (double)v);

    /// <summary>Centre of mass (scanner LPS mm) of the voxels carrying a label.</summary>
    public static Vec3 LabelCentre(Volume segmentation, int label)
    {
        var size = segmentation.Size;
        var voxels = segmentation.Voxels<byte>();
        double si = 0, sj = 0, sk = 0;
        long n = 0;
        for (int k = 0; k < size.K; k++)
            for (int j = 0; j < size.J; j++)
                for (int i = 0; i < size.I; i++)
                    if (voxels[(int)size.Index(i, j, k)] == label) { si += i; sj += j; sk += k; n++; }
        return segmentation.Geometry.IndexToPhysical(si / n, sj / n, sk / n);
    }
}
