using RenalGrpc.Engine.Checkpoints;
using RenalGrpc.Training;

namespace RenalGrpc.Cli;

/// <summary>`renal ensemble`: lets classifiers trained apart vote together in one checkpoint.</summary>
internal sealed class EnsembleCommand : ICliCommand
{
    public string Name => "ensemble";
    public string Summary => "put classifiers trained apart beside a checkpoint's own (stage 2 averages them)";
    public string Usage => """
        usage: renal ensemble --base MODEL --member MODEL2 [--member MODEL3 ...] --out OUT [--version V]
          --base MODEL      checkpoint whose stage 1, kidney-ROI stage, crop settings and classifier are kept
          --member MODEL2   checkpoint whose classifier (every member of it) joins; repeat for more. Train
                            them with `renal train --stage cls` and another --seed on copies of MODEL: a
                            member must cut crops as MODEL does (same classifierCrop, normalisation, spacing)
          --out OUT         checkpoint folder written (may be MODEL itself); at most 8 classifiers in all
          --version V       model version written into checkpoint.json (default: MODEL's)
        """;
    public IReadOnlySet<string> Switches { get; } = new HashSet<string>();

    public Task<int> RunAsync(CliArguments args, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken)
    {
        var request = new ClassifierEnsembleRequest
        {
            BaseFolder = args.Required("--base"),
            MemberFolders = args.Values("--member"),
            OutputFolder = args.Required("--out"),
            ModelVersion = args.Value("--version"),
        };
        args.EnsureAllConsumed(maxPositionals: 0);
        CheckpointMetadata metadata;
        try
        {
            metadata = ClassifierEnsemble.Assemble(request, line => stdout.WriteLine(line));
        }
        catch (ArgumentException e)
        {
            throw new CliUsageException(e.Message);
        }
        stdout.WriteLine($"wrote {request.OutputFolder} ({metadata.Name} {metadata.Version}, {metadata.ClassifierMembers} classifiers)");
        return Task.FromResult(ExitCodes.Success);
    }
}
