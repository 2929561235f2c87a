using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;

namespace RenalGrpc.Client.Testing;

/// <summary>
/// The real RenalGrpc server as a child process (`dotnet RenalGrpc.Server.dll --port 0 ...`):
/// started, its "listening on" line parsed for the address, killed on dispose.
/// Shared by the client tests and the transfer benchmark.
/// </summary>
public sealed partial class RenalServerProcess : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _log;

    private RenalServerProcess(Process process, Uri address, StringBuilder log)
    {
        _process = process;
        Address = address;
        _log = log;
    }

    public Uri Address { get; }

    public int ProcessId => _process.Id;

    /// <summary>What the server printed so far (stdout and stderr), for failure messages.</summary>
    public string Log
    {
        get { lock (_log) return _log.ToString(); }
    }

    /// <summary>The built server dll under the repository, Release when asked and present, else Debug.</summary>
    public static string FindServerDll(string repositoryRoot, bool preferRelease = false)
    {
        string PathFor(string configuration) => Path.Combine(repositoryRoot, "server", "RenalGrpc.Server", "bin", configuration, "net10.0", "linux-x64", "RenalGrpc.Server.dll");
        if (preferRelease && File.Exists(PathFor("Release"))) return PathFor("Release");
        return File.Exists(PathFor("Debug")) ? PathFor("Debug")
            : throw new FileNotFoundException($"server not built: {PathFor("Debug")} is missing (dotnet build server/RenalGrpc.Server)");
    }

    public static async Task<RenalServerProcess> StartAsync(string serverDll, params string[] extraArguments)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(serverDll);
        start.ArgumentList.Add("--port");
        start.ArgumentList.Add("0");
        // These tests are not about the model: never load whatever models/default holds (slow, memory-hungry).
        if (!extraArguments.Contains("--model"))
        {
            start.ArgumentList.Add("--model");
            start.ArgumentList.Add(Path.Combine(Path.GetTempPath(), "renal-tests-no-model-here"));
        }
        foreach (var a in extraArguments) start.ArgumentList.Add(a);
        var process = Process.Start(start) ?? throw new InvalidOperationException("could not start dotnet");
        var address = new TaskCompletionSource<Uri>(TaskCreationOptions.RunContinuationsAsynchronously);
        var log = new StringBuilder();
        void OnLine(string? line)
        {
            if (line is null) return;
            lock (log) log.AppendLine(line);
            var match = ListeningLine().Match(line);
            if (match.Success) address.TrySetResult(new Uri(match.Groups[1].Value));
        }
        process.OutputDataReceived += (_, e) => OnLine(e.Data);
        process.ErrorDataReceived += (_, e) => OnLine(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        process.EnableRaisingEvents = true;
        process.Exited += (_, _) => address.TrySetException(new InvalidOperationException("server exited before listening:\n" + Snapshot(log)));
        var winner = await Task.WhenAny(address.Task, Task.Delay(TimeSpan.FromSeconds(60)));
        if (winner != address.Task)
        {
            KillQuietly(process);
            throw new TimeoutException("server did not report its address within 60 s:\n" + Snapshot(log));
        }
        return new RenalServerProcess(process, await address.Task, log);
    }

    /// <summary>Peak resident memory of the server (VmHWM from /proc/PID/status), in bytes.</summary>
    public long PeakResidentBytes()
    {
        foreach (var line in File.ReadLines($"/proc/{_process.Id}/status"))
        {
            if (!line.StartsWith("VmHWM:", StringComparison.Ordinal)) continue;
            var kb = line["VmHWM:".Length..].Trim().Split(' ')[0];
            return long.Parse(kb, System.Globalization.CultureInfo.InvariantCulture) * 1024;
        }
        throw new InvalidOperationException($"/proc/{_process.Id}/status has no VmHWM");
    }

    public void Dispose()
    {
        KillQuietly(_process);
        _process.Dispose();
    }

    private static void KillQuietly(Process process)
    {
        try
        {
            if (!process.HasExited) process.Kill(entireProcessTree: true);
            process.WaitForExit(5000);
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }
    }

    private static string Snapshot(StringBuilder log)
    {
        lock (log) return log.ToString();
    }

    [GeneratedRegex(@"RenalGrpc server listening on (https?://\S+)")]
    private static partial Regex ListeningLine();
}
