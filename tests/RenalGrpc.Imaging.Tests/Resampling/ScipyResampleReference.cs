using System.Text.Json;
using RenalGrpc.Imaging.Resampling;
using RenalGrpc.Imaging.Tests.Support;

namespace RenalGrpc.Imaging.Tests.Resampling;

/// <summary>
/// Independent reference: numpy maps every target voxel centre to a source index with its own
/// linear algebra (np.linalg.solve), then scipy.ndimage.map_coordinates interpolates. Arrays travel
/// as raw little-endian files in a temp folder.
/// </summary>
internal static class ScipyResampleReference
{
    private const string Script = """
import sys, json
import numpy as np
from scipy import ndimage as nd
spec = json.load(open(sys.argv[1]))
src = np.fromfile(spec['source'], dtype=spec['dtype']).reshape(spec['src']['size'][::-1])
def to_physical(g):
    return np.array(g['direction'], dtype=float).reshape(3, 3) * np.array(g['spacing'], dtype=float)[None, :]
Ms, Mt = to_physical(spec['src']), to_physical(spec['tgt'])
I, J, K = spec['tgt']['size']
k, j, i = np.meshgrid(np.arange(K), np.arange(J), np.arange(I), indexing='ij')
index = np.stack([i.ravel(), j.ravel(), k.ravel()]).astype(float)
physical = Mt @ index + np.array(spec['tgt']['origin'], dtype=float)[:, None]
s = np.linalg.solve(Ms, physical - np.array(spec['src']['origin'], dtype=float)[:, None])
n = np.array(spec['src']['size'], dtype=float)[:, None]
eps = 1e-6
if spec['faces']:
    inside = np.all((s >= -0.5 - eps) & (s <= n - 0.5 + eps), axis=0)
    coords = np.clip(s, 0, n - 1)
    mode = 'nearest'
else:
    # scipy's own constant mode decides what is outside; only rounding noise at the edges is snapped.
    clipped = np.clip(s, 0, n - 1)
    coords = np.where(np.abs(s - clipped) <= eps, clipped, s)
    inside = np.ones(s.shape[1], dtype=bool)
    mode = 'constant'
out = nd.map_coordinates(src.astype(np.float64), coords[::-1], order=spec['order'], mode=mode, cval=spec['cval'])
out[~inside] = spec['cval']
out.astype('<f8').tofile(spec['out'])
""";

    /// <summary>Reference values (float64, before any rounding to the voxel type), i fastest.</summary>
    public static double[] Resample(Volume source, Geometry target, Interpolation interpolation, float outsideValue, SourceBounds bounds)
    {
        var dir = Directory.CreateTempSubdirectory("renal-resample-");
        try
        {
            var sourcePath = Path.Combine(dir.FullName, "source.raw");
            var outPath = Path.Combine(dir.FullName, "out.raw");
            var specPath = Path.Combine(dir.FullName, "spec.json");
            File.WriteAllBytes(sourcePath, source.Buffer);
            var spec = new Dictionary<string, object>
            {
                ["source"] = sourcePath,
                ["out"] = outPath,
                ["dtype"] = NumpyType(source.VoxelType),
                ["src"] = Describe(source.Geometry),
                ["tgt"] = Describe(target),
                ["order"] = interpolation == Interpolation.Linear ? 1 : 0,
                ["cval"] = (double)outsideValue,
                ["faces"] = bounds == SourceBounds.EdgeVoxelFaces,
            };
            File.WriteAllText(specPath, JsonSerializer.Serialize(spec));
            ReferencePython.Run(Script, specPath);
            var bytes = File.ReadAllBytes(outPath);
            var result = new double[bytes.Length / 8];
            Buffer.BlockCopy(bytes, 0, result, 0, bytes.Length);
            return result;
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    public static string NumpyType(VoxelType type) => type switch
    {
        VoxelType.UInt8 => "u1",
        VoxelType.Int16 => "<i2",
        VoxelType.UInt16 => "<u2",
        _ => "<f4",
    };

    private static Dictionary<string, object> Describe(Geometry g) => new()
    {
        ["size"] = new[] { g.Size.I, g.Size.J, g.Size.K },
        ["spacing"] = g.Spacing.ToArray(),
        ["origin"] = g.Origin.ToArray(),
        ["direction"] = g.Direction.ToRowMajorArray(),
    };
}

/// <summary>Random volumes and geometries for the comparisons (seeded: failures reproduce).</summary>
internal static class RandomGrids
{
    public static Matrix3 Rotation(Random random)
    {
        // Rotation from a random unit quaternion.
        double w = Gaussian(random), x = Gaussian(random), y = Gaussian(random), z = Gaussian(random);
        double n = Math.Sqrt(w * w + x * x + y * y + z * z);
        w /= n; x /= n; y /= n; z /= n;
        return new Matrix3(
            1 - 2 * (y * y + z * z), 2 * (x * y - z * w), 2 * (x * z + y * w),
            2 * (x * y + z * w), 1 - 2 * (x * x + z * z), 2 * (y * z - x * w),
            2 * (x * z - y * w), 2 * (y * z + x * w), 1 - 2 * (x * x + y * y));
    }

    public static Vec3 Spacing(Random random) =>
        new(0.5 + random.NextDouble() * 2, 0.5 + random.NextDouble() * 2, 0.8 + random.NextDouble() * 3);

    /// <summary>A target grid centred near the source's centre, partly overlapping its field of view.</summary>
    public static Geometry TargetAround(Geometry source, GridSize size, Vec3 spacing, Matrix3 direction, Random random)
    {
        var centre = source.IndexToPhysical((source.Size.I - 1) / 2.0, (source.Size.J - 1) / 2.0, (source.Size.K - 1) / 2.0);
        var halfExtent = direction * new Vec3((size.I - 1) * spacing.X / 2, (size.J - 1) * spacing.Y / 2, (size.K - 1) * spacing.Z / 2);
        var jitter = new Vec3(random.NextDouble() - 0.5, random.NextDouble() - 0.5, random.NextDouble() - 0.5) * 6;
        return new Geometry(size, spacing, centre - halfExtent + jitter, direction);
    }

    public static float[] Values(Random random, long count, double low, double high)
    {
        var v = new float[count];
        for (long n = 0; n < count; n++) v[n] = (float)(low + random.NextDouble() * (high - low));
        return v;
    }

    private static double Gaussian(Random random) =>
        Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
}
