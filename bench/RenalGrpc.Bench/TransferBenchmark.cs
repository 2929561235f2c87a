using System.Diagnostics;
using RenalGrpc.Client;
using RenalGrpc.Client.Testing;
using RenalGrpc.Imaging;

namespace RenalGrpc.Bench;

/// <summary>
/// Study upload over loopback gRPC to the real server (child process): four 512x512x200 int16
/// CT-like phases (~420 MB) raw, zstd and lz4; MB/s and the server's peak RSS against the study size.
/// Bars: raw upload >= 600 MB/s; peak RSS < 1.3 x study bytes.
/// </summary>
internal sealed class TransferBenchmark : IBenchmark
{
    private const double RawBarMBps = 600;
    private const double RssBar = 1.3;

    public string Name => "transfer";

    public async Task RunAsync(BenchmarkContext context, CancellationToken cancellationToken)
    {
        var phases = CreateStudy();
        long studyBytes = phases.Values.Sum(v => v.Buffer.LongLength);
        var dll = RenalServerProcess.FindServerDll(context.RepositoryRoot, preferRelease: true);
        using var server = await RenalServerProcess.StartAsync(dll);
        using var client = new RenalClient(new RenalClientOptions { Uri = server.Address });
        await client.GetServerInfoAsync(cancellationToken); // connection and JIT warm-up

        var table = new BenchmarkTable($"study upload, 4 x 512x512x200 int16 = {studyBytes / 1e6:F0} MB, loopback ({(dll.Contains("/Release/", StringComparison.Ordinal) ? "Release" : "Debug")} server)", "MB/s");
        double rawBest = 0;
        var notes = new List<string>();
        // The first upload of a fresh server runs while the JIT is still tiering up the receive path
        // (about twice the server CPU); it is reported on its own, then raw is the best of three.
        foreach (var (compression, label) in new[]
        {
            (ChunkCompression.None, "raw upload, first after start (cold JIT)"),
            (ChunkCompression.None, "raw upload (warm)"), (ChunkCompression.None, "raw upload (warm)"), (ChunkCompression.None, "raw upload (warm)"),
            (ChunkCompression.Zstd, ""), (ChunkCompression.Lz4, ""),
        })
        {
            var cpu = CpuClock.Start(server.ProcessId);
            var result = await client.UploadStudyAsync(phases, compression, null, cancellationToken);
            var (clientCpu, serverCpu) = cpu.Stop();
            if (result.AlreadyStored) throw new InvalidOperationException("study was already stored; the benchmark needs a fresh upload");
            await client.DeleteStudyAsync(result.StudyId, cancellationToken);
            if (compression == ChunkCompression.None)
            {
                if (label.EndsWith("(warm)", StringComparison.Ordinal)) rawBest = Math.Max(rawBest, result.MBps);
                table.Add(label, result.MBps, RawBarMBps, "bar");
            }
            else
            {
                table.Add($"{compression.ToString().ToLowerInvariant()} upload (ratio {(double)result.Bytes / result.WireBytes:F2})", result.MBps, rawBest, "best warm raw");
            }
            notes.Add(FormattableString.Invariant(
                $"{(label.Length > 0 ? label : compression.ToString())}: stream {result.Seconds:F2} s, SHA-256 {result.HashSeconds:F2} s, wire {result.WireBytes / 1e6:F0} MB; CPU client {clientCpu:F2} s, server {serverCpu:F2} s"));
        }
        await client.UploadStudyAsync(phases, ChunkCompression.None, null, cancellationToken);
        var find = Stopwatch.StartNew();
        var second = await client.UploadStudyAsync(phases, ChunkCompression.None, null, cancellationToken);
        notes.Add(FormattableString.Invariant($"re-upload of a stored study (hash + FindStudy): {(second.AlreadyStored ? "skipped" : "NOT skipped")}, {find.Elapsed.TotalSeconds:F2} s"));

        long peak = await PeakRssOfOneUploadAsync(dll, phases, cancellationToken);
        table.Print(Console.Out);
        foreach (var n in notes) Console.WriteLine($"- {n}");
        double ratio = (double)peak / studyBytes;
        Console.WriteLine(FormattableString.Invariant($"- load average {File.ReadAllText("/proc/loadavg").Split(' ')[0]} at the end (2 cores: above ~1.5 the figures are lower bounds)"));
        Console.WriteLine(FormattableString.Invariant(
            $"- server peak RSS (VmHWM) of a fresh server after one raw upload {peak / 1e6:F0} MB = {ratio:F2} x study bytes (bar < {RssBar}: {(ratio < RssBar ? "met" : "NOT met")}); raw {rawBest:F0} MB/s (best warm, bar >= {RawBarMBps}: {(rawBest >= RawBarMBps ? "met" : "NOT met")})"));
        RunPythonTransfer(context, server.Address);
        await SegmentationDownload.RunAsync(context, dll, phases["N"], cancellationToken);
    }

    // A fresh server per measurement: the sequence above deletes and re-uploads, so its peak would
    // include the garbage of earlier studies rather than what holding one study costs.
    private static async Task<long> PeakRssOfOneUploadAsync(string dll, Dictionary<string, Volume> phases, CancellationToken cancellationToken)
    {
        using var server = await RenalServerProcess.StartAsync(dll);
        using var client = new RenalClient(new RenalClientOptions { Uri = server.Address });
        await client.UploadStudyAsync(phases, ChunkCompression.None, null, cancellationToken);
        return server.PeakResidentBytes();
    }

    /// <summary>Four phases of the CT-like phantom; each later phase is the first plus contrast, so the hashes differ.</summary>
    private static Dictionary<string, Volume> CreateStudy()
    {
        var n = CtLikeVolume.Create(512, 512, 200);
        var phases = new Dictionary<string, Volume> { ["N"] = n };
        short enhancement = 0;
        foreach (var code in new[] { "A", "P", "D" })
        {
            enhancement += 30;
            var source = n.Voxels<short>();
            var voxels = new short[source.Length];
            for (int v = 0; v < voxels.Length; v++) voxels[v] = source[v] > 0 ? (short)(source[v] + enhancement) : source[v];
            phases[code] = Volume.FromVoxels<short>(n.Geometry, voxels);
        }
        return phases;
    }

    // The Python client's own transfer benchmark, when the Python helper has provided one.
    private static void RunPythonTransfer(BenchmarkContext context, Uri server)
    {
        var script = Path.Combine(context.RepositoryRoot, "bench", "transfer_python.py");
        if (!File.Exists(script))
        {
            Console.WriteLine("- Python client: bench/transfer_python.py not present; skipped");
            return;
        }
        var start = new ProcessStartInfo(BenchmarkContext.ReferencePython) { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(script);
        start.ArgumentList.Add("--url");
        start.ArgumentList.Add(server.ToString());
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        process.WaitForExit();
        Console.WriteLine($"- Python client (bench/transfer_python.py, exit {process.ExitCode}):");
        Console.WriteLine(stdout.Result.TrimEnd());
        if (process.ExitCode != 0) Console.WriteLine(stderr.Result.TrimEnd());
    }
}

/// <summary>
/// CPU seconds spent by this process and by the server between Start and Stop: on a loaded shared
/// machine these say more about cost than wall-clock MB/s.
/// </summary>
internal sealed class CpuClock
{
    private readonly int _serverPid;
    private readonly TimeSpan _client;
    private readonly double _server;

    private CpuClock(int serverPid)
    {
        _serverPid = serverPid;
        _client = Process.GetCurrentProcess().TotalProcessorTime;
        _server = ServerCpuSeconds(serverPid);
    }

    public static CpuClock Start(int serverPid) => new(serverPid);

    public (double Client, double Server) Stop() =>
        ((Process.GetCurrentProcess().TotalProcessorTime - _client).TotalSeconds, ServerCpuSeconds(_serverPid) - _server);

    // utime + stime (fields 14 and 15 of /proc/PID/stat, after the parenthesised name) in clock ticks of 1/100 s.
    private static double ServerCpuSeconds(int pid)
    {
        var stat = File.ReadAllText($"/proc/{pid}/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return (long.Parse(fields[11], System.Globalization.CultureInfo.InvariantCulture) + long.Parse(fields[12], System.Globalization.CultureInfo.InvariantCulture)) / 100.0;
    }
}
