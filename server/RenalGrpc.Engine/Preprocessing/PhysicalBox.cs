using RenalGrpc.Imaging;

namespace RenalGrpc.Engine.Preprocessing;

/// <summary>An axis-aligned box in patient space (LPS, mm), e.g. where a study's kidneys can be.</summary>
public sealed record PhysicalBox(Vec3 Min, Vec3 Max)
{
    /// <summary>The box grown by <paramref name="mm"/> on every side.</summary>
    public PhysicalBox Grown(double mm) => new(Min - new Vec3(mm, mm, mm), Max + new Vec3(mm, mm, mm));

    /// <summary>
    /// The box around every voxel of <paramref name="labels"/> whose value is not 0, to the outer
    /// faces of the edge voxels; null when every voxel is 0.
    /// </summary>
    public static PhysicalBox? AroundForeground(Volume labels)
    {
        ArgumentNullException.ThrowIfNull(labels);
        var size = labels.Geometry.Size;
        int[] lo = { int.MaxValue, int.MaxValue, int.MaxValue }, hi = { -1, -1, -1 };
        long n = 0;
        for (int k = 0; k < size.K; k++)
        {
            for (int j = 0; j < size.J; j++)
            {
                for (int i = 0; i < size.I; i++, n++)
                {
                    if (labels.GetFloat(n) == 0) continue;
                    lo[0] = Math.Min(lo[0], i); hi[0] = Math.Max(hi[0], i);
                    lo[1] = Math.Min(lo[1], j); hi[1] = Math.Max(hi[1], j);
                    lo[2] = Math.Min(lo[2], k); hi[2] = Math.Max(hi[2], k);
                }
            }
        }
        if (hi[0] < 0) return null;
        var min = new Vec3(double.MaxValue, double.MaxValue, double.MaxValue);
        var max = new Vec3(double.MinValue, double.MinValue, double.MinValue);
        for (int c = 0; c < 8; c++)
        {
            var p = labels.Geometry.IndexToPhysical(
                (c & 1) == 0 ? lo[0] - 0.5 : hi[0] + 0.5,
                (c & 2) == 0 ? lo[1] - 0.5 : hi[1] + 0.5,
                (c & 4) == 0 ? lo[2] - 0.5 : hi[2] + 0.5);
            min = Vec3.Min(min, p);
            max = Vec3.Max(max, p);
        }
        return new PhysicalBox(min, max);
    }

    /// <summary>
    /// The voxels (per tensor axis z, y, x) of a grid of <paramref name="shape"/> whose centres the
    /// box can reach, taking the box's eight corners into the grid (an oblique grid gets the
    /// enclosing index box); null when the box misses the grid.
    /// </summary>
    public CropBox? InGrid(Geometry grid, int[] shape)
    {
        ArgumentNullException.ThrowIfNull(grid);
        var low = new[] { double.PositiveInfinity, double.PositiveInfinity, double.PositiveInfinity };
        var high = new[] { double.NegativeInfinity, double.NegativeInfinity, double.NegativeInfinity };
        for (int c = 0; c < 8; c++)
        {
            var index = grid.PhysicalToIndex(new Vec3((c & 1) == 0 ? Min.X : Max.X, (c & 2) == 0 ? Min.Y : Max.Y, (c & 4) == 0 ? Min.Z : Max.Z));
            double[] v = { index.Z, index.Y, index.X };
            for (int a = 0; a < 3; a++)
            {
                low[a] = Math.Min(low[a], v[a]);
                high[a] = Math.Max(high[a], v[a]);
            }
        }
        var start = new int[3];
        var count = new int[3];
        for (int a = 0; a < 3; a++)
        {
            int first = (int)Math.Max(0, Math.Ceiling(low[a] - 1e-9));
            int last = (int)Math.Min(shape[a] - 1, Math.Floor(high[a] + 1e-9));
            if (last < first) return null;
            start[a] = first;
            count[a] = last - first + 1;
        }
        return new CropBox(start, count);
    }
}
