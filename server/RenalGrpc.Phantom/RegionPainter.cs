using RenalGrpc.Imaging;

namespace RenalGrpc.Phantom;

/// <summary>One row of voxels being rendered: HU, tissue and label per voxel centre.</summary>
internal ref struct RowSamples(Span<float> hu, Span<byte> tissue, Span<byte> label)
{
    public Span<float> Hu = hu;
    public Span<byte> Tissue = tissue;
    public Span<byte> Label = label;

    public void Set(int i, Tissue t, double hu, byte label)
    {
        Tissue[i] = (byte)t;
        Hu[i] = (float)hu;
        Label[i] = label;
    }
}

/// <summary>
/// A part of the analytic patient. Painted in order, each over the previous ones, only where
/// the point is inside. The bound lets a row skip regions it cannot touch: a sphere, or (for
/// structures running the length of the torso) a circle in the axial plane.
/// </summary>
internal abstract class RegionPainter
{
    /// <summary>Centre of the bounding sphere, or of the bounding circle when <see cref="RunsCraniocaudally"/>.</summary>
    public abstract Vec3 BoundCentre { get; }
    public abstract double BoundRadius { get; }
    public virtual bool RunsCraniocaudally => false;

    /// <summary>Paints voxel i of the row at patient point p if p lies inside the region.</summary>
    public abstract void Paint(Vec3 p, int i, ref RowSamples row);

    /// <summary>Index range [first, last] of the row p0 + i * step (i in 0..count-1) that can meet the bound; empty when first > last.</summary>
    public (int First, int Last) RowRange(Vec3 p0, Vec3 step, int count)
    {
        if (double.IsPositiveInfinity(BoundRadius)) return (0, count - 1);
        var d = p0 - BoundCentre;
        var s = step;
        if (RunsCraniocaudally)
        {
            d = new Vec3(d.X, d.Y, 0);
            s = new Vec3(s.X, s.Y, 0);
        }
        // |d + i s|^2 <= R^2, a quadratic in i.
        double a = s.Dot(s), b = 2 * d.Dot(s), c = d.Dot(d) - BoundRadius * BoundRadius;
        if (a < 1e-12) return c <= 0 ? (0, count - 1) : (1, 0);
        double disc = b * b - 4 * a * c;
        if (disc < 0) return (1, 0);
        double root = Math.Sqrt(disc);
        int first = (int)Math.Floor((-b - root) / (2 * a));
        int last = (int)Math.Ceiling((-b + root) / (2 * a));
        return (Math.Max(first, 0), Math.Min(last, count - 1));
    }

    protected static double Sq(double v) => v * v;
}

/// <summary>Zero-mean smooth pattern in [-1, 1] (product of sines, fixed to the patient) for texture and mottling.</summary>
internal static class SmoothPattern
{
    public static double At(Vec3 p, double seed, double scale)
    {
        double v = Math.Sin(p.X / (6.1 * scale) + seed) * Math.Sin(p.Y / (5.3 * scale) + 1.7 * seed) * Math.Sin(p.Z / (4.7 * scale) + 2.3 * seed);
        return Math.Clamp(2 * v, -1, 1);
    }
}
