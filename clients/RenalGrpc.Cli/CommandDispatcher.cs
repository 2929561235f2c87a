using RenalGrpc.Imaging;

namespace RenalGrpc.Cli;

/// <summary>Finds the sub-command, parses its arguments and maps exceptions to exit codes.</summary>
internal static class CommandDispatcher
{
    // Every sub-command, in the order `renal --help` lists them.
    private static readonly ICliCommand[] Commands =
    [
        new InspectCommand(),
        new ConvertCommand(),
        new PreviewCommand(),
        new PhantomCommand(),
        new InfoCommand(),
        new UploadCommand(),
        new AnalyzeCommand(),
        new EditCommand(),
        new SegmentationCommand(),
        new StudiesCommand(),
        new DeleteCommand(),
        new TrainCommand(),
        new ImportSegmentationCommand(),
        new EnsembleCommand(),
        new EvaluateCommand(),
    ];

    public static async Task<int> RunAsync(string[] args, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken)
    {
        if (args.Length == 0 || args[0] is "--help" or "-h" or "help")
        {
            PrintHelp(stdout);
            return args.Length == 0 ? ExitCodes.BadInput : ExitCodes.Success;
        }
        var command = Commands.FirstOrDefault(c => c.Name == args[0]);
        if (command is null)
        {
            stderr.WriteLine($"renal: unknown command '{args[0]}'. Run 'renal --help' for the list.");
            return ExitCodes.BadInput;
        }
        var rest = args.Skip(1).ToArray();
        if (rest.Contains("--help") || rest.Contains("-h"))
        {
            stdout.WriteLine(command.Usage);
            return ExitCodes.Success;
        }
        try
        {
            var parsed = CliArguments.Parse(rest, command.Switches);
            return await command.RunAsync(parsed, stdout, stderr, cancellationToken);
        }
        catch (CliUsageException ex)
        {
            stderr.WriteLine($"renal {command.Name}: {ex.Message}");
            stderr.WriteLine(command.Usage);
            return ExitCodes.BadInput;
        }
        catch (ImagingException ex)
        {
            stderr.WriteLine($"renal {command.Name}: {ex.Message}");
            return ExitCodes.BadInput;
        }
        catch (RenalGrpc.Engine.Checkpoints.ModelCheckpointException ex)
        {
            stderr.WriteLine($"renal {command.Name}: {ex.Message}");
            return ExitCodes.BadInput;
        }
        catch (RenalGrpc.Training.TrainingStateException ex)
        {
            stderr.WriteLine($"renal {command.Name}: {ex.Message}");
            return ExitCodes.BadInput;
        }
        catch (FileNotFoundException ex)
        {
            stderr.WriteLine($"renal {command.Name}: {ex.FileName ?? ex.Message}: file not found");
            return ExitCodes.BadInput;
        }
        catch (DirectoryNotFoundException ex)
        {
            stderr.WriteLine($"renal {command.Name}: {ex.Message}");
            return ExitCodes.BadInput;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            stderr.WriteLine($"renal {command.Name}: cancelled");
            return ExitCodes.Failure;
        }
    }

    private static void PrintHelp(TextWriter stdout)
    {
        stdout.WriteLine("renal: kidney CT analysis over gRPC (RenalGrpc)");
        stdout.WriteLine();
        stdout.WriteLine("commands:");
        foreach (var c in Commands) stdout.WriteLine($"  {c.Name,-13} {c.Summary}");
        stdout.WriteLine();
        stdout.WriteLine("Run 'renal COMMAND --help' for a command's options.");
        stdout.WriteLine("Exit codes: 0 success, 1 failure, 2 bad arguments or input, 3 refused by the server, 4 server unreachable.");
    }
}
