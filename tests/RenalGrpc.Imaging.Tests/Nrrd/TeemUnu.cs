using RenalGrpc.Imaging.Tests.Support;

namespace RenalGrpc.Imaging.Tests.Nrrd;

/// <summary>
/// teem's "unu", the reference NRRD implementation by the format's author, run from Debian's
/// teem-apps and libteem2 packages extracted (not installed) into the test-data cache.
/// </summary>
public static class TeemUnu
{
    private static readonly Lazy<(string Exe, string Lib)> Paths = new(() =>
    {
        var apps = DebianTestData.Extract("teem-apps");
        var lib = DebianTestData.Extract("libteem2");
        return (Path.Combine(apps, "usr", "bin", "teem-unu"), Path.Combine(lib, "usr", "lib"));
    });

    /// <summary>Runs "unu ARGS" in a folder; returns stdout. Throws with unu's stderr on failure.</summary>
    public static string Run(string workingDirectory, params string[] arguments)
    {
        var (exe, lib) = Paths.Value;
        return ExternalProcess.Run("/usr/bin/env", new[] { "LD_LIBRARY_PATH=" + lib, exe }.Concat(arguments), workingDirectory);
    }
}

/// <summary>A fresh folder under the test-data cache for one test's files.</summary>
public sealed class ScratchFolder : IDisposable
{
    public ScratchFolder()
    {
        FullPath = Path.Combine(RepositoryPaths.TestDataCache, "scratch", "nrrd-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(FullPath);
    }

    public string FullPath { get; }

    public string File(string name) => Path.Combine(FullPath, name);

    public void Dispose()
    {
        try { Directory.Delete(FullPath, recursive: true); } catch (IOException) { }
    }
}
