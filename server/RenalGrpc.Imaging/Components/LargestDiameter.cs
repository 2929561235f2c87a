namespace RenalGrpc.Imaging.Components;

/// <summary>
/// Largest distance between two points of a set (the set's diameter).
/// Up to <see cref="ExactLimit"/> points every pair is compared, which is exact. Larger sets are
/// first reduced to their extreme points along <see cref="DirectionCount"/> directions spread evenly
/// over a hemisphere (Fibonacci lattice), and every pair of those is compared. If the true diameter D
/// is along u and sampled direction v is within angle t of u, the two extremes along v are at least
/// D cos t apart, so the result lies in [D cos t, D]; for this lattice t &lt; 0.065 rad, i.e. the
/// result is at most 0.21 % short (0.2 mm on a 100 mm lesion).
/// </summary>
public static class LargestDiameter
{
    public const int ExactLimit = 3000;
    public const int DirectionCount = 1024;
    public const double RelativeErrorBound = 0.0021;

    private static readonly Vec3[] Directions = FibonacciHemisphere(DirectionCount);

    public static double Of(ReadOnlySpan<Vec3> points)
    {
        if (points.Length < 2) return 0;
        if (points.Length <= ExactLimit) return ExactDiameter(points);
        var extremes = new HashSet<int>();
        foreach (var d in Directions)
        {
            int lowest = 0, highest = 0;
            double low = double.MaxValue, high = double.MinValue;
            for (int n = 0; n < points.Length; n++)
            {
                double t = points[n].X * d.X + points[n].Y * d.Y + points[n].Z * d.Z;
                if (t < low) { low = t; lowest = n; }
                if (t > high) { high = t; highest = n; }
            }
            extremes.Add(lowest);
            extremes.Add(highest);
        }
        var candidates = new Vec3[extremes.Count];
        int c = 0;
        foreach (int n in extremes) candidates[c++] = points[n];
        return ExactDiameter(candidates);
    }

    private static double ExactDiameter(ReadOnlySpan<Vec3> points)
    {
        double best = 0;
        for (int a = 0; a < points.Length; a++)
        {
            var p = points[a];
            for (int b = a + 1; b < points.Length; b++)
            {
                double dx = p.X - points[b].X, dy = p.Y - points[b].Y, dz = p.Z - points[b].Z;
                double d2 = dx * dx + dy * dy + dz * dz;
                if (d2 > best) best = d2;
            }
        }
        return Math.Sqrt(best);
    }

    private static Vec3[] FibonacciHemisphere(int count)
    {
        var result = new Vec3[count];
        double golden = Math.PI * (3 - Math.Sqrt(5));
        for (int n = 0; n < count; n++)
        {
            double z = (n + 0.5) / count;
            double r = Math.Sqrt(1 - z * z);
            double phi = n * golden;
            result[n] = new Vec3(r * Math.Cos(phi), r * Math.Sin(phi), z);
        }
        return result;
    }
}
