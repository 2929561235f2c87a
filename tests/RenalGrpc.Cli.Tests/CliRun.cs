using RenalGrpc.Cli;

namespace RenalGrpc.Cli.Tests;

/// <summary>Runs `renal` in-process through the same dispatcher Program.cs uses and captures its output.</summary>
internal sealed record CliRun(int ExitCode, string Stdout, string Stderr)
{
    public static async Task<CliRun> Of(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int code = await CommandDispatcher.RunAsync(args, stdout, stderr, CancellationToken.None);
        return new CliRun(code, stdout.ToString(), stderr.ToString());
    }
}

/// <summary>A temporary folder removed after the test.</summary>
internal sealed class ScratchFolder : IDisposable
{
    public string Path { get; } = Directory.CreateTempSubdirectory("renal-cli-").FullName;

    public string File(string name) => System.IO.Path.Combine(Path, name);

    public void Dispose() => Directory.Delete(Path, recursive: true);
}
