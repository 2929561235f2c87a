namespace RenalGrpc.Imaging.Tests.Support;

/// <summary>Locates the repository root (the folder holding RenalGrpc.sln) from the test binaries.</summary>
public static class RepositoryPaths
{
    public static string Root { get; } = FindRoot();

    /// <summary>Cache for downloaded reference files; ignored by git, survives between runs.</summary>
    public static string TestDataCache => Path.Combine(Root, "artifacts", "testdata");

    private static string FindRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "RenalGrpc.sln"))) dir = dir.Parent;
        return dir?.FullName ?? throw new InvalidOperationException("RenalGrpc.sln not found above " + AppContext.BaseDirectory);
    }
}
