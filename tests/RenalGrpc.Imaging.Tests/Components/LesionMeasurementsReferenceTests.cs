using System.Globalization;
using RenalGrpc.Imaging.Components;
using RenalGrpc.Imaging.Tests.Support;

namespace RenalGrpc.Imaging.Tests.Components;

/// <summary>Intensity statistics against numpy, diameters against scipy's convex hull.</summary>
public sealed class LesionMeasurementsReferenceTests
{
    private const string NumpyStatistics = """
import sys
import numpy as np
labels = np.fromfile(sys.argv[1], dtype='<i4')
image = np.fromfile(sys.argv[2], dtype='<i2').astype(np.float64)
for c in range(1, labels.max() + 1):
    v = image[labels == c]
    print(repr(v.mean()), repr(v.std()))
""";

    // Exact diameter: the farthest pair of points lies on the convex hull.
    private const string HullDiameter = """
import sys
import numpy as np
from scipy.spatial import ConvexHull
from scipy.spatial.distance import pdist
points = np.fromfile(sys.argv[1], dtype='<f8').reshape(-1, 3)
hull = points[ConvexHull(points).vertices]
print(repr(pdist(hull).max()))
""";

    [Fact]
    public void IntensityMeanAndSdMatchNumpy()
    {
        var size = new GridSize(30, 25, 12);
        var geometry = Geometry.Axial(size, new Vec3(0.8, 0.8, 2), Vec3.Zero);
        var random = new Random(4);
        var mask = new byte[size.VoxelCount];
        for (int n = 0; n < mask.Length; n++) mask[n] = random.NextDouble() < 0.2 ? (byte)1 : (byte)0;
        var image = new short[size.VoxelCount];
        for (int n = 0; n < image.Length; n++) image[n] = (short)random.Next(-1024, 2500);
        var labeling = ConnectedComponents.Label(mask, size, Connectivity.TwentySix);
        var ours = LesionMeasurements.Measure(labeling, geometry, Volume.FromVoxels<short>(geometry, image));

        var dir = Directory.CreateTempSubdirectory("renal-stats-");
        try
        {
            var labelPath = Path.Combine(dir.FullName, "labels.raw");
            var imagePath = Path.Combine(dir.FullName, "image.raw");
            File.WriteAllBytes(labelPath, labeling.Labels.SelectMany(BitConverter.GetBytes).ToArray());
            File.WriteAllBytes(imagePath, image.SelectMany(BitConverter.GetBytes).ToArray());
            var lines = ReferencePython.Run(NumpyStatistics, labelPath, imagePath).Split('\n', StringSplitOptions.RemoveEmptyEntries);
            Assert.Equal(labeling.ComponentCount, lines.Length);
            Assert.True(lines.Length > 5);
            for (int c = 0; c < lines.Length; c++)
            {
                var parts = lines[c].Split(' ');
                Assert.Equal(double.Parse(parts[0], CultureInfo.InvariantCulture), ours[c].IntensityMean!.Value, 6);
                Assert.Equal(double.Parse(parts[1], CultureInfo.InvariantCulture), ours[c].IntensityStandardDeviation!.Value, 6);
            }
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [Theory]
    [InlineData(6, 40)]    // few row ends: every pair compared
    [InlineData(9, 600)]   // thousands of row ends: the directional reduction
    public void DiameterMatchesTheConvexHullDiameter(int seed, int balls)
    {
        var geometry = new Geometry(new GridSize(110, 120, 64), new Vec3(0.6, 0.5, 1.0), new Vec3(-30, 10, 5),
            Resampling.RandomGrids.Rotation(new Random(seed)));
        var random = new Random(seed);
        var centres = new List<(Vec3 Centre, double Radius)>();
        var start = geometry.IndexToPhysical(55, 60, 32);
        var current = start;
        for (int b = 0; b < balls; b++)
        {
            // A random walk of balls: one irregular connected blob.
            current += new Vec3(random.NextDouble() - 0.5, random.NextDouble() - 0.5, random.NextDouble() - 0.5) * 3;
            if ((current - start).Length > 25) current = start;
            centres.Add((current, 3 + random.NextDouble() * 3));
        }
        var mask = PaintBalls(geometry, centres);
        var labeling = ConnectedComponents.Label(mask, geometry.Size, Connectivity.TwentySix);
        int largest = labeling.LabelsBySize()[0];
        var ours = LesionMeasurements.Measure(labeling, geometry)[largest - 1].LargestDiameterMm;

        var points = new List<double>();
        var size = geometry.Size;
        int rowsWithVoxels = 0;
        for (int k = 0; k < size.K; k++)
            for (int j = 0; j < size.J; j++)
            {
                bool any = false;
                for (int i = 0; i < size.I; i++)
                {
                    if (labeling.Labels[size.Index(i, j, k)] != largest) continue;
                    points.AddRange(geometry.IndexToPhysical(i, j, k).ToArray());
                    any = true;
                }
                if (any) rowsWithVoxels++;
            }
        // Each row contributes its two end voxels: say which diameter path this case exercises.
        Assert.Equal(balls > 100, 2 * rowsWithVoxels > LargestDiameter.ExactLimit);
        var dir = Directory.CreateTempSubdirectory("renal-hull-");
        try
        {
            var path = Path.Combine(dir.FullName, "points.raw");
            var bytes = new byte[points.Count * 8];
            Buffer.BlockCopy(points.ToArray(), 0, bytes, 0, bytes.Length);
            File.WriteAllBytes(path, bytes);
            double exact = double.Parse(ReferencePython.Run(HullDiameter, path).Trim(), CultureInfo.InvariantCulture);
            if (balls > 100) Assert.InRange(ours, exact * (1 - LargestDiameter.RelativeErrorBound), exact + 1e-9);
            else Assert.Equal(exact, ours, 9);
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    private static byte[] PaintBalls(Geometry geometry, List<(Vec3 Centre, double Radius)> balls)
    {
        var mask = new byte[geometry.VoxelCount];
        var size = geometry.Size;
        var m = geometry.IndexToPhysicalMatrix;
        double m00 = m[0, 0], m01 = m[0, 1], m02 = m[0, 2], m10 = m[1, 0], m11 = m[1, 1], m12 = m[1, 2], m20 = m[2, 0], m21 = m[2, 1], m22 = m[2, 2];
        foreach (var (centre, radius) in balls)
        {
            var c = geometry.PhysicalToIndex(centre);
            var o = geometry.Origin - centre;
            // Along index axis a a ball spans at most radius / spacing[a] voxels either side.
            int ri = (int)(radius / geometry.Spacing.X) + 1, rj = (int)(radius / geometry.Spacing.Y) + 1, rk = (int)(radius / geometry.Spacing.Z) + 1;
            double r2 = radius * radius;
            for (int k = Math.Max(0, (int)c.Z - rk); k <= Math.Min(size.K - 1, (int)c.Z + rk); k++)
                for (int j = Math.Max(0, (int)c.Y - rj); j <= Math.Min(size.J - 1, (int)c.Y + rj); j++)
                    for (int i = Math.Max(0, (int)c.X - ri); i <= Math.Min(size.I - 1, (int)c.X + ri); i++)
                    {
                        double x = o.X + m00 * i + m01 * j + m02 * k, y = o.Y + m10 * i + m11 * j + m12 * k, z = o.Z + m20 * i + m21 * j + m22 * k;
                        if (x * x + y * y + z * z <= r2) mask[size.Index(i, j, k)] = 1;
                    }
        }
        return mask;
    }
}
