namespace RenalGrpc.Imaging.Tests.Support;

/// <summary>
/// Real reference files from Debian packages (pydicom's and nibabel's test data, ITK examples),
/// fetched at test time with `apt-get download` + `dpkg-deb -x`, never committed.
/// </summary>
public static class DebianTestData
{
    private static readonly SemaphoreSlim Gate = new(1, 1);

    /// <summary>
    /// Several test assemblies run in parallel processes and may want the same package: an
    /// exclusive lock file serialises them across processes (the semaphore within one).
    /// </summary>
    private static FileStream AcquireProcessLock()
    {
        Directory.CreateDirectory(RepositoryPaths.TestDataCache);
        var lockPath = Path.Combine(RepositoryPaths.TestDataCache, ".lock");
        for (int attempt = 0; ; attempt++)
        {
            try
            {
                return new FileStream(lockPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException) when (attempt < 1200)
            {
                Thread.Sleep(100);
            }
        }
    }

    /// <summary>Folder the package's files were extracted into (its usr/, etc/ ... below it).</summary>
    public static string Extract(string package)
    {
        var target = Path.Combine(RepositoryPaths.TestDataCache, "deb", package);
        var done = Path.Combine(target, ".extracted");
        if (File.Exists(done)) return target;
        Gate.Wait();
        using var processLock = AcquireProcessLock();
        try
        {
            if (File.Exists(done)) return target;
            var download = Path.Combine(RepositoryPaths.TestDataCache, "download");
            Directory.CreateDirectory(download);
            foreach (var old in Directory.GetFiles(download, package + "_*.deb")) File.Delete(old);
            try
            {
                ExternalProcess.Run("apt-get", ["download", package], download);
            }
            catch (InvalidOperationException)
            {
                // A fresh machine may have no package lists yet.
                ExternalProcess.Run("apt-get", ["update", "-qq"]);
                ExternalProcess.Run("apt-get", ["download", package], download);
            }
            var deb = Directory.GetFiles(download, package + "_*.deb").Single();
            Directory.CreateDirectory(target);
            ExternalProcess.Run("dpkg-deb", ["-x", deb, target]);
            File.WriteAllText(done, deb);
            return target;
        }
        finally
        {
            Gate.Release();
        }
    }

    /// <summary>Files under the extracted package matching a pattern, e.g. "*.nii.gz".</summary>
    public static string[] Find(string package, string pattern) =>
        Directory.GetFiles(Extract(package), pattern, SearchOption.AllDirectories);
}
