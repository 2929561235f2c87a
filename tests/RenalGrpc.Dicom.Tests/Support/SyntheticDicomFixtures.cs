using System.Text.Json;

namespace RenalGrpc.Dicom.Tests.Support;

/// <summary>
/// The series pydicom writes for these tests (Python/write_fixtures.py), made once per test
/// class in a scratch folder: an oblique 20-slice CT, an enhanced multi-frame file, a 12-bit
/// signed file and the broken series of the bad-input tests.
/// </summary>
public sealed class SyntheticDicomFixtures : IDisposable
{
    private readonly JsonElement _summary;

    public SyntheticDicomFixtures()
    {
        Root = DicomTestPaths.NewScratchFolder("dicom-fixtures");
        var json = DicomTestPaths.RunScript("write_fixtures.py", Root);
        _summary = JsonDocument.Parse(json).RootElement.Clone();
    }

    public string Root { get; }

    public JsonElement this[string fixture] => _summary.GetProperty(fixture);

    public string Folder(string fixture) => this[fixture].GetProperty("folder").GetString()!;

    public string File(string fixture) => this[fixture].GetProperty("file").GetString()!;

    public string Uid(string fixture) => this[fixture].GetProperty("uid").GetString()!;

    public void Dispose()
    {
        try { Directory.Delete(Root, recursive: true); }
        catch (IOException) { } // scratch space; leaving it behind is harmless
    }
}
