using System.Diagnostics;
using RenalGrpc.Phantom;

namespace RenalGrpc.Cli;

/// <summary>`renal phantom`: writes a synthetic multi-phase renal CT dataset (DATASET.md layout).</summary>
internal sealed class PhantomCommand : ICliCommand
{
    public string Name => "phantom";
    public string Summary => "generate synthetic multi-phase renal CT studies with ground truth";
    public string Usage => """
        usage: renal phantom --out DIR --cases N --seed S [--size small|realistic|WxHxD] [--phases NAPD]
                             [--balance paper|uniform] [--normal-fraction F] [--cyst-fraction F]
          --out DIR            output folder (dataset.json + case_XXXXX/ folders)
          --cases N            number of cases (1..100000)
          --seed S             integer seed; same arguments give byte-identical files
          --size               small (128x128x40, ~2.6x2.6x5 mm, default), realistic (512x512x200, ~0.75x0.75x2.5 mm) or WxHxD
          --phases             phases to scan, any of N, A, P, D (default NAPD)
          --balance            subtype mix of tumor cases: paper (12/11/10/9/8 per 50, default) or uniform
          --normal-fraction F  fraction of cases without any lesion (default 0)
          --cyst-fraction F    fraction of tumor cases that also have a simple cyst (default 0.2)
        """;
    public IReadOnlySet<string> Switches { get; } = new HashSet<string>();

    public Task<int> RunAsync(CliArguments args, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken)
    {
        string output = args.Required("--out");
        int cases = args.IntValue("--cases", 0, 1, 100_000);
        if (args.Value("--cases") is null) throw new CliUsageException("--cases is required");
        int seed = args.IntValue("--seed", 0);
        if (args.Value("--seed") is null) throw new CliUsageException("--seed is required");
        var options = new PhantomOptions
        {
            Cases = cases,
            Seed = seed,
            Size = Parse(() => ScanSize.Parse(args.Value("--size") ?? "small")),
            Phases = Parse(() => ContrastPhases.Parse(args.Value("--phases") ?? "NAPD")),
            Balance = args.Value("--balance") switch
            {
                null or "paper" => ClassBalanceMode.Paper,
                "uniform" => ClassBalanceMode.Uniform,
                var other => throw new CliUsageException($"--balance must be paper or uniform, got '{other}'"),
            },
            NormalFraction = args.DoubleValue("--normal-fraction", 0, 0, 1),
            CystFraction = args.DoubleValue("--cyst-fraction", 0.2, 0, 1),
        };
        args.EnsureAllConsumed(maxPositionals: 0);
        var clock = Stopwatch.StartNew();
        var specs = DatasetWriter.Write(output, options, id => stdout.WriteLine($"wrote {Path.Combine(output, id)}"), cancellationToken);
        stdout.WriteLine($"{specs.Count} cases, phases {string.Concat(options.Phases)}, {options.Size.Size} in {clock.Elapsed.TotalSeconds:F1} s");
        return Task.FromResult(ExitCodes.Success);
    }

    private static T Parse<T>(Func<T> parse)
    {
        try
        {
            return parse();
        }
        catch (ArgumentException e)
        {
            throw new CliUsageException(e.Message);
        }
    }
}
