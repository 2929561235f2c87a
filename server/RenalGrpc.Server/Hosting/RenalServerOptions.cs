using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace RenalGrpc.Server.Hosting;

/// <summary>
/// Server settings, bound from the configuration root: appsettings.json, environment variables
/// with the RENAL_ prefix (RENAL_PORT, RENAL_TOKEN, RENAL_STUDYTTLSECONDS, ...) and the
/// command line (--host, --port, --token, --token-file, --tls-cert, --tls-key, --tls-client-ca,
/// --study-ttl-seconds, --memory-budget-mb, --max-study-mb, --max-voxels-per-phase, --model, --max-queue, --torch-threads, --precision).
/// </summary>
public sealed class RenalServerOptions
{
    [Required]
    public string Host { get; set; } = "127.0.0.1";

    /// <summary>0 = any free port (the line printed on start tells which).</summary>
    [Range(0, 65535)]
    public int Port { get; set; } = 50051;

    public string? Token { get; set; }
    public string? TokenFile { get; set; }
    public string? TlsCert { get; set; }
    public string? TlsKey { get; set; }
    public string? TlsClientCa { get; set; }

    [Range(1, int.MaxValue)]
    public int StudyTtlSeconds { get; set; } = 3600;

    [Range(1, long.MaxValue / (1024 * 1024))]
    public long MemoryBudgetMb { get; set; } = 4096;

    /// <summary>Largest study (sum of its phases) one upload may store; null = the whole memory budget.</summary>
    [Range(1, long.MaxValue / (1024 * 1024))]
    public long? MaxStudyMb { get; set; }

    [Range(1, ulong.MaxValue)]
    public ulong MaxVoxelsPerPhase { get; set; } = 512UL * 512 * 1000;

    /// <summary>Checkpoint folder (or file) of the diagnosis model; null = models/default beside the server.</summary>
    public string? Model { get; set; }

    /// <summary>Analyze calls that may wait for the inference worker; one more is refused with RESOURCE_EXHAUSTED.</summary>
    [Range(1, 1000)]
    public int MaxQueue { get; set; } = 4;

    /// <summary>
    /// CPU threads for the engine (process-wide in libtorch). Default: every core; lower it when
    /// other work shares the machine, since oversubscribed libtorch threads slow down sharply.
    /// </summary>
    [Range(1, 1024)]
    public int TorchThreads { get; set; } = Environment.ProcessorCount;

    /// <summary>
    /// Number format of stage 1's forward passes: Auto (default: bfloat16 where a timed probe at
    /// start-up finds it faster than float32, as on CPUs with AVX-512 BF16 / AMX, else float32;
    /// on AVX2-only CPUs bfloat16 is about 30 times slower), BFloat16 (labels within a fraction
    /// of a per cent of float32, see docs/BENCHMARKS.md) or Float32.
    /// </summary>
    public RenalGrpc.Engine.Inference.InferencePrecision Precision { get; set; } = RenalGrpc.Engine.Inference.InferencePrecision.Auto;

    public static readonly Dictionary<string, string> SwitchMappings = new()
    {
        ["--host"] = nameof(Host),
        ["--port"] = nameof(Port),
        ["--token"] = nameof(Token),
        ["--token-file"] = nameof(TokenFile),
        ["--tls-cert"] = nameof(TlsCert),
        ["--tls-key"] = nameof(TlsKey),
        ["--tls-client-ca"] = nameof(TlsClientCa),
        ["--study-ttl-seconds"] = nameof(StudyTtlSeconds),
        ["--memory-budget-mb"] = nameof(MemoryBudgetMb),
        ["--max-study-mb"] = nameof(MaxStudyMb),
        ["--max-voxels-per-phase"] = nameof(MaxVoxelsPerPhase),
        ["--model"] = nameof(Model),
        ["--max-queue"] = nameof(MaxQueue),
        ["--torch-threads"] = nameof(TorchThreads),
        ["--precision"] = nameof(Precision),
    };

    public bool UsesTls => TlsCert is not null;
}

/// <summary>Cross-field checks DataAnnotations cannot express; run on start so a bad setting stops the server at once.</summary>
public sealed class RenalServerOptionsValidator : IValidateOptions<RenalServerOptions>
{
    public ValidateOptionsResult Validate(string? name, RenalServerOptions o)
    {
        var failures = new List<string>();
        if ((o.TlsCert is null) != (o.TlsKey is null))
        {
            failures.Add("--tls-cert and --tls-key must be given together");
        }

        if (o.TlsClientCa is not null && o.TlsCert is null)
        {
            failures.Add("--tls-client-ca needs --tls-cert and --tls-key");
        }

        if (o.Token is not null && o.TokenFile is not null)
        {
            failures.Add("give --token or --token-file, not both");
        }

        foreach (var (flag, path) in new[] { ("--token-file", o.TokenFile), ("--tls-cert", o.TlsCert), ("--tls-key", o.TlsKey), ("--tls-client-ca", o.TlsClientCa) })
        {
            if (path is not null && !File.Exists(path))
            {
                failures.Add($"{flag}: file '{path}' does not exist");
            }
        }

        if (o.MaxStudyMb > o.MemoryBudgetMb)
        {
            failures.Add($"--max-study-mb ({o.MaxStudyMb}) is larger than --memory-budget-mb ({o.MemoryBudgetMb}); such a study could never be stored");
        }

        if (o.Token is { Length: 0 })
        {
            failures.Add("--token must not be empty");
        }

        // The binder takes any number for an enum, so "--precision 7" would otherwise pass.
        if (!Enum.IsDefined(o.Precision))
        {
            failures.Add($"--precision must be {string.Join(" or ", Enum.GetNames<RenalGrpc.Engine.Inference.InferencePrecision>())}");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
