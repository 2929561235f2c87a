using System.Diagnostics;

namespace RenalGrpc.Imaging.Tests.Support;

/// <summary>Runs a program to completion and returns its output; throws with stderr on failure.</summary>
public static class ExternalProcess
{
    public static string Run(string fileName, IEnumerable<string> arguments, string? workingDirectory = null, TimeSpan? timeout = null)
    {
        var psi = new ProcessStartInfo(fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? Environment.CurrentDirectory,
        };
        foreach (var a in arguments) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi) ?? throw new InvalidOperationException($"could not start {fileName}");
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(timeout ?? TimeSpan.FromMinutes(5)))
        {
            p.Kill(entireProcessTree: true);
            throw new TimeoutException($"{fileName} {string.Join(' ', arguments)} timed out");
        }
        if (p.ExitCode != 0)
            throw new InvalidOperationException($"{fileName} {string.Join(' ', psi.ArgumentList)} exited {p.ExitCode}: {stderr.Result}");
        return stdout.Result;
    }
}

/// <summary>
/// Debian's /usr/bin/python3 with numpy, nibabel, pydicom and scipy: the independent reference
/// implementations our readers are checked against. (The python3 first on PATH may be a pyenv
/// build that cannot see Debian's packages.)
/// </summary>
public static class ReferencePython
{
    public const string Executable = "/usr/bin/python3";

    /// <summary>Runs a script given as text with arguments; returns stdout.</summary>
    public static string Run(string script, params string[] arguments) =>
        ExternalProcess.Run(Executable, new[] { "-c", script }.Concat(arguments));
}
