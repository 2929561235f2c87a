using RenalGrpc.Imaging;

namespace RenalGrpc.Client.Testing;

/// <summary>Small synthetic multi-phase studies; a seed makes each test's content (and so its study id) unique.</summary>
public static class TestStudies
{
    /// <summary>Four int16 phases with CT-like values (smooth ramp plus noise) so compression is not trivial.</summary>
    public static Dictionary<string, Volume> FourPhases(int seed, int size = 48, int slices = 20)
    {
        var result = new Dictionary<string, Volume>();
        int n = 0;
        foreach (var phase in new[] { "N", "A", "P", "D" })
        {
            var geometry = new Geometry(new GridSize(size, size, slices), new Vec3(0.8, 0.8, 2.5 + n), new Vec3(-100, -120 + n, -300), Matrix3.Identity);
            result[phase] = Volume.FromVoxels<short>(geometry, Voxels(geometry.Size, seed * 31 + n));
            n++;
        }
        return result;
    }

    private static short[] Voxels(GridSize size, int seed)
    {
        var random = new Random(seed);
        var voxels = new short[size.VoxelCount];
        for (long v = 0; v < voxels.Length; v++)
            voxels[v] = (short)(-200 + (v % size.I) * 3 + random.Next(-20, 21));
        return voxels;
    }
}

/// <summary>Collects progress reports synchronously (Progress&lt;T&gt; would post them to the thread pool, out of order).</summary>
public sealed class RecordingProgress(Action<UploadProgress>? onReport = null) : IProgress<UploadProgress>
{
    private readonly List<UploadProgress> _reports = [];

    public IReadOnlyList<UploadProgress> Reports
    {
        get { lock (_reports) return _reports.ToList(); }
    }

    public void Report(UploadProgress value)
    {
        lock (_reports) _reports.Add(value);
        onReport?.Invoke(value);
    }
}
