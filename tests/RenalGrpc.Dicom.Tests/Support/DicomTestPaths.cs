using RenalGrpc.Imaging.Tests.Support;

namespace RenalGrpc.Dicom.Tests.Support;

/// <summary>Where the reference files and scripts of the DICOM tests live.</summary>
public static class DicomTestPaths
{
    private const string InstalledPydicomFiles = "/usr/lib/python3/dist-packages/pydicom/data/test_files";

    /// <summary>pydicom's test_files folder: the installed python3-pydicom, else the package fetched from Debian.</summary>
    public static string PydicomTestFiles { get; } = Directory.Exists(InstalledPydicomFiles)
        ? InstalledPydicomFiles
        : Path.Combine(DebianTestData.Extract("python3-pydicom"), InstalledPydicomFiles.TrimStart('/'));

    /// <summary>The real multi-series folder tree shipped with pydicom (16x16 CT, MR and CR slices).</summary>
    public static string PydicomSeriesTree => Path.Combine(PydicomTestFiles, "dicomdirtests");

    public static string Script(string name) => Path.Combine(AppContext.BaseDirectory, "Python", name);

    /// <summary>Runs one of our Python scripts with Debian's interpreter; returns stdout.</summary>
    public static string RunScript(string name, params string[] arguments) =>
        ExternalProcess.Run(ReferencePython.Executable, new[] { Script(name) }.Concat(arguments), timeout: TimeSpan.FromMinutes(3));

    public static string NewScratchFolder(string prefix)
    {
        var folder = Path.Combine(Path.GetTempPath(), $"renal-{prefix}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(folder);
        return folder;
    }
}
