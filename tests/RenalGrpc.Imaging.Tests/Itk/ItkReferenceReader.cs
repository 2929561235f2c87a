using System.Text.Json;
using RenalGrpc.Imaging.Tests.Support;

namespace RenalGrpc.Imaging.Tests.Itk;

/// <summary>What ITK reports for an image: LPS geometry and checksums of the data read as float.</summary>
public sealed record ItkImageReport(
    int[] Size, Vec3 Spacing, Vec3 Origin, Matrix3 Direction, double Sum, double SumOfSquares, double[] Probes);

/// <summary>
/// Builds itk_read_geometry (the C++ program beside this file) once per test run into
/// artifacts/itk-build and runs it. ITK is the reference toolkit that most of our users'
/// pipelines (SimpleITK, 3D Slicer, nnU-Net preprocessing) read images with.
/// </summary>
public static class ItkReferenceReader
{
    public const string DebianPackage = "libinsighttoolkit5-dev";

    private static readonly string SourceDirectory = Path.Combine(RepositoryPaths.Root, "tests", "RenalGrpc.Imaging.Tests", "Itk");
    private static readonly string BuildDirectory = Path.Combine(RepositoryPaths.Root, "artifacts", "itk-build");

    // Lazy (thread-safe by default) so parallel test classes wait for one compile; a failed
    // build is cached too, so every test fails with the same message instead of rebuilding.
    private static readonly Lazy<string> Binary = new(BuildOnce);

    public static ItkImageReport Read(string imagePath, IEnumerable<long> probeIndices)
    {
        var output = ExternalProcess.Run(Binary.Value, new[] { "read", imagePath }.Concat(probeIndices.Select(i => i.ToString())),
            timeout: TimeSpan.FromSeconds(60));
        return Parse(output);
    }

    /// <summary>ITK reads the image and writes it again (as float32) in the format the output name implies.</summary>
    public static void Copy(string inputPath, string outputPath) =>
        ExternalProcess.Run(Binary.Value, ["copy", inputPath, outputPath], timeout: TimeSpan.FromSeconds(60));

    private static ItkImageReport Parse(string json)
    {
        using var doc = JsonDocument.Parse(json);
        var root = doc.RootElement;
        double[] Numbers(string name) => root.GetProperty(name).EnumerateArray().Select(e => e.GetDouble()).ToArray();
        Vec3 Triple(string name) { var v = Numbers(name); return new Vec3(v[0], v[1], v[2]); }
        return new ItkImageReport(
            root.GetProperty("size").EnumerateArray().Select(e => e.GetInt32()).ToArray(),
            Triple("spacing"), Triple("origin"), Matrix3.FromRowMajor(Numbers("direction")),
            root.GetProperty("sum").GetDouble(), root.GetProperty("sumOfSquares").GetDouble(), Numbers("probes"));
    }

    private static string BuildOnce()
    {
        var binary = Path.Combine(BuildDirectory, "itk_read_geometry");
        if (IsUpToDate(binary)) return binary;
        Directory.CreateDirectory(BuildDirectory);
        try
        {
            ExternalProcess.Run("cmake", ["-S", SourceDirectory, "-B", BuildDirectory, "-DCMAKE_BUILD_TYPE=Release"],
                timeout: TimeSpan.FromMinutes(2));
            ExternalProcess.Run("make", ["-C", BuildDirectory], timeout: TimeSpan.FromMinutes(3));
        }
        catch (Exception e) when (e is InvalidOperationException or System.ComponentModel.Win32Exception or TimeoutException)
        {
            throw new InvalidOperationException(
                $"Could not build the ITK reference reader in {BuildDirectory}. It needs cmake, a C++ compiler and ITK: " +
                $"install the Debian package {DebianPackage} (scripts/setup.sh does). Cause: {e.Message}", e);
        }
        if (!File.Exists(binary))
            throw new InvalidOperationException($"cmake/make reported success but {binary} is missing (ITK from {DebianPackage})");
        return binary;
    }

    private static bool IsUpToDate(string binary)
    {
        if (!File.Exists(binary)) return false;
        var built = File.GetLastWriteTimeUtc(binary);
        return Directory.EnumerateFiles(SourceDirectory)
            .Where(f => f.EndsWith(".cxx", StringComparison.Ordinal) || f.EndsWith("CMakeLists.txt", StringComparison.Ordinal))
            .All(f => File.GetLastWriteTimeUtc(f) < built);
    }
}
