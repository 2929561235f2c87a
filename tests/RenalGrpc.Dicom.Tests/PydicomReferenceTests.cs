using System.Text.Json;
using RenalGrpc.Dicom.Tests.Support;
using RenalGrpc.Imaging;
using RenalGrpc.Imaging.Dicom;
using Xunit.Abstractions;

namespace RenalGrpc.Dicom.Tests;

/// <summary>Reference values for every pydicom test file, computed once by Python/pydicom_reference.py.</summary>
public sealed class PydicomReference : IDisposable
{
    public PydicomReference()
    {
        Folder = DicomTestPaths.NewScratchFolder("pydicom-reference");
        DicomTestPaths.RunScript("pydicom_reference.py", [Folder, .. PydicomReferenceTests.TestFiles().Select(f => (string)f[0])]);
        Manifest = JsonDocument.Parse(File.ReadAllText(Path.Combine(Folder, "manifest.json"))).RootElement.Clone();
    }

    public string Folder { get; }
    public JsonElement Manifest { get; }

    public void Dispose()
    {
        try { Directory.Delete(Folder, true); }
        catch (IOException) { }
    }
}

/// <summary>
/// Each pydicom test file that GDCM decodes gives pydicom's modality values (dcmtk decompresses
/// where pydicom has no codec); files that cannot form a volume fail with a clear error.
/// </summary>
public sealed class PydicomReferenceTests(PydicomReference reference, ITestOutputHelper output) : IClassFixture<PydicomReference>
{
    public static IEnumerable<object[]> TestFiles() =>
        Directory.GetFiles(DicomTestPaths.PydicomTestFiles, "*.dcm").Order(StringComparer.Ordinal).Select(f => new object[] { f });

    [Theory]
    [MemberData(nameof(TestFiles))]
    public void ReadsLikePydicomOrFailsClearly(string path)
    {
        var entry = reference.Manifest.GetProperty(path);
        var status = entry.GetProperty("status").GetString();
        switch (status)
        {
            case "ok" when entry.GetProperty("gdcm_unsafe").GetBoolean():
                Assert.Contains("FrameIncrementPointer", Assert.Throws<ImageFormatException>(() => DicomSeriesReader.Read(path)).Message);
                break;
            case "ok":
                CompareWithReference(path, entry);
                break;
            case "colour":
                Assert.Contains("samples per pixel", Assert.Throws<ImageFormatException>(() => DicomSeriesReader.Read(path)).Message);
                break;
            case "truncated":
                Assert.Contains("truncated", Assert.Throws<ImageFormatException>(() => DicomSeriesReader.Read(path)).Message);
                break;
            case "noimage" or "unreadable":
                Assert.Contains("not a DICOM image", Assert.Throws<ImageFormatException>(() => DicomSeriesReader.Read(path)).Message);
                break;
            default: // neither pydicom nor dcmtk decodes it: we must not crash or invent pixels
                var e = Assert.Throws<ImageFormatException>(() => DicomSeriesReader.Read(path));
                output.WriteLine($"{Path.GetFileName(path)}: pydicom: {entry.GetProperty("why").GetString()}; ours: {e.Message}");
                break;
        }
    }

    [Fact]
    public void MostGreyscaleTestFilesAreCompared()
    {
        var compared = reference.Manifest.EnumerateObject()
            .Where(p => p.Value.GetProperty("status").GetString() == "ok" && !p.Value.GetProperty("gdcm_unsafe").GetBoolean())
            .Select(p => $"{Path.GetFileName(p.Name)} ({p.Value.GetProperty("decoder").GetString()})")
            .ToList();
        output.WriteLine($"{compared.Count} files compared with a reference: {string.Join(", ", compared)}");
        Assert.True(compared.Count >= 20, $"only {compared.Count} files compared");
        Assert.Contains(compared, c => c.Contains("dcmdjpeg"));
        Assert.Contains(compared, c => c.Contains("dcmdjpls"));
    }

    private void CompareWithReference(string path, JsonElement entry)
    {
        var volume = DicomSeriesReader.Read(path);
        var shape = entry.GetProperty("shape");
        Assert.Equal(new GridSize(shape[2].GetInt32(), shape[1].GetInt32(), shape[0].GetInt32()), volume.Size);

        var bytes = File.ReadAllBytes(Path.Combine(reference.Folder, entry.GetProperty("values").GetString()!));
        var expected = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, double>(bytes);
        var actual = volume.ToFloatArray();
        Assert.Equal(expected.Length, actual.Length);
        int mismatches = 0;
        for (int n = 0; n < actual.Length; n++)
        {
            // float32 output is exact for integers below 2^24; otherwise allow float rounding.
            if (Math.Abs(actual[n] - expected[n]) > 1e-6 * Math.Abs(expected[n]) && mismatches++ < 5)
                output.WriteLine($"voxel {n}: ours {actual[n]}, reference {expected[n]}");
        }
        Assert.True(mismatches == 0, $"{mismatches} of {actual.Length} voxels differ from {entry.GetProperty("decoder").GetString()}");

        var spacing = entry.GetProperty("pixel_spacing");
        if (spacing.ValueKind == JsonValueKind.Array)
        {
            Assert.Equal(spacing[1].GetDouble(), volume.Geometry.Spacing.X, 6); // between columns: i
            Assert.Equal(spacing[0].GetDouble(), volume.Geometry.Spacing.Y, 6); // between rows: j
        }
        var origin = entry.GetProperty("origin");
        if (origin.ValueKind == JsonValueKind.Array)
            GeometryAssert.Close(GeometryAssert.Vector(origin), volume.Geometry.Origin, 1e-4, "origin");
        var orientation = entry.GetProperty("orientation");
        if (orientation.ValueKind == JsonValueKind.Array)
        {
            var v = orientation.EnumerateArray().Select(x => x.GetDouble()).ToArray();
            GeometryAssert.Close(new Vec3(v[0], v[1], v[2]).Normalized(), volume.Geometry.Direction.Column(0), 1e-4, "row direction");
            GeometryAssert.Close(new Vec3(v[3], v[4], v[5]).Normalized(), volume.Geometry.Direction.Column(1), 1e-4, "column direction");
        }
    }
}
