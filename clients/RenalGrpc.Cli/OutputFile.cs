namespace RenalGrpc.Cli;

/// <summary>
/// Checks an output file's place before the work that fills it: an analysis or an evaluation takes
/// minutes, and a typo in the folder used to surface only when the result was written.
/// </summary>
internal static class OutputFile
{
    /// <summary>The path itself; a CliUsageException when its folder does not exist or the path is a folder.</summary>
    public static string? Checked(string? path, string option)
    {
        if (path is null) return null;
        var full = Path.GetFullPath(path);
        if (Directory.Exists(full)) throw new CliUsageException($"{option} {path}: is a folder, give a file name");
        var folder = Path.GetDirectoryName(full);
        if (folder is not null && !Directory.Exists(folder)) throw new CliUsageException($"{option} {path}: folder {folder} does not exist");
        return path;
    }
}
