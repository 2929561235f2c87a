using System.Globalization;
using RenalGrpc.Client;
using RenalGrpc.Imaging;

namespace RenalGrpc.Cli;

/// <summary>`renal upload --phase N=PATH ...`: reads each phase's volume and stores the study on a server.</summary>
internal sealed class UploadCommand : ICliCommand
{
    public string Name => "upload";
    public string Summary => "upload a multi-phase study (one volume per phase) to a server";
    public string Usage => """
        usage: renal upload (--phase P=PATH [--phase P=PATH ...] | --dicom-study DIR) [--compression none|zstd|lz4] [--server URL] ...
        """ + "\n" + StudyPhaseInputs.Usage + """
          --compression C   chunk compression on the wire (default none)
        """ + "\n" + ServerConnection.Usage;
    public IReadOnlySet<string> Switches { get; } = new HashSet<string>();

    public async Task<int> RunAsync(CliArguments args, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken)
    {
        var phaseValues = args.Values("--phase");
        var dicomStudy = args.Value("--dicom-study");
        var compression = ParseCompression(args.Value("--compression"));
        var options = ServerConnection.Parse(args);
        args.EnsureAllConsumed(maxPositionals: 0);

        var volumes = StudyPhaseInputs.Read(phaseValues, dicomStudy, stdout);

        return await ServerConnection.RunAsync(Name, options, stderr, async client =>
        {
            // A bar only for a person watching a terminal: logs and pipes get the summary line alone.
            using var bar = stderr == Console.Error && !Console.IsErrorRedirected ? new UploadProgressBar(stderr) : null;
            var result = await client.UploadStudyAsync(volumes, compression, bar, cancellationToken);
            bar?.Finish();
            stdout.WriteLine($"study {result.StudyId}");
            stdout.WriteLine(result.AlreadyStored
                ? "already stored on the server; nothing sent"
                : string.Format(CultureInfo.InvariantCulture, "sent {0:F1} MB ({1:F1} MB on the wire, {2}) in {3:F2} s: {4:F0} MB/s",
                    result.Bytes / 1e6, result.WireBytes / 1e6, compression.ToString().ToLowerInvariant(), result.Seconds, result.MBps));
            stdout.WriteLine($"expires {result.ExpiresAt.UtcDateTime:yyyy-MM-dd HH:mm:ss} UTC");
            return ExitCodes.Success;
        });
    }

    /// <summary>"N=path" pairs; each phase at most once, in any order.</summary>
    internal static IReadOnlyList<(string Phase, string Path)> ParsePhases(IReadOnlyList<string> values)
    {
        if (values.Count == 0) throw new CliUsageException("at least one --phase P=PATH is required");
        var result = new List<(string, string)>();
        foreach (var value in values)
        {
            int eq = value.IndexOf('=');
            if (eq <= 0 || eq == value.Length - 1) throw new CliUsageException($"--phase expects P=PATH, got '{value}'");
            var phase = value[..eq].Trim().ToUpperInvariant();
            if (!ProtoMapping.PhaseCodes.Contains(phase)) throw new CliUsageException($"--phase {value}: phase must be N, A, P or D");
            if (result.Any(r => r.Item1 == phase)) throw new CliUsageException($"--phase {phase} given more than once");
            result.Add((phase, value[(eq + 1)..]));
        }
        return result;
    }

    private static ChunkCompression ParseCompression(string? text) => text?.ToLowerInvariant() switch
    {
        null or "none" => ChunkCompression.None,
        "zstd" => ChunkCompression.Zstd,
        "lz4" => ChunkCompression.Lz4,
        _ => throw new CliUsageException($"--compression must be none, zstd or lz4, got '{text}'"),
    };
}

/// <summary>A one-line progress bar redrawn in place on a terminal, at most every 100 ms.</summary>
internal sealed class UploadProgressBar(TextWriter terminal) : IProgress<UploadProgress>, IDisposable
{
    private readonly Lock _gate = new();
    private long _lastDrawTicks;
    private bool _drawn;

    public void Report(UploadProgress value)
    {
        lock (_gate)
        {
            long now = Environment.TickCount64;
            if (value.BytesSent < value.TotalBytes && now - _lastDrawTicks < 100) return;
            _lastDrawTicks = now;
            int filled = (int)(value.Fraction * 30);
            terminal.Write(string.Format(CultureInfo.InvariantCulture, "\r[{0}{1}] {2,5:P0} phase {3} ",
                new string('#', filled), new string('.', 30 - filled), value.Fraction, value.Phase));
            _drawn = true;
        }
    }

    public void Finish()
    {
        lock (_gate)
        {
            if (_drawn) terminal.WriteLine();
            _drawn = false;
        }
    }

    public void Dispose() => Finish();
}
