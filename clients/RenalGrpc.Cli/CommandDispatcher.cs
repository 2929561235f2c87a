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

    public static Task<int> RunAsync(string[] args, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken) =>
        RunAsync(args, stdout, stderr, Commands, cancellationToken);

    /// <summary>The same with another command table (tests give it a command that fails unexpectedly).</summary>
    internal static async Task<int> RunAsync(string[] args, TextWriter stdout, TextWriter stderr, IReadOnlyList<ICliCommand> commands,
        CancellationToken cancellationToken)
    {
        if (args.Length == 0 || args[0] is "--help" or "-h" or "help")
        {
            PrintHelp(stdout, commands);
            return args.Length == 0 ? ExitCodes.BadInput : ExitCodes.Success;
        }
        var command = commands.FirstOrDefault(c => c.Name == args[0]);
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
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // Not anticipated by the command (a bug, a native library failing): one line and exit 1
            // rather than the runtime's crash report; the stack trace when asked for.
            stderr.WriteLine($"renal {command.Name}: unexpected error ({ex.GetType().Name}): {ex.Message}");
            stderr.WriteLine(Environment.GetEnvironmentVariable(TraceVariable) == "1"
                ? ex.ToString()
                : $"(set {TraceVariable}=1 to print the stack trace)");
            return ExitCodes.Failure;
        }
    }

    /// <summary>Environment variable that makes an unexpected error print its stack trace.</summary>
    internal const string TraceVariable = "RENAL_TRACE";

    private static void PrintHelp(TextWriter stdout, IReadOnlyList<ICliCommand> commands)
    {
        stdout.WriteLine("renal: kidney CT analysis over gRPC (RenalGrpc)");
        stdout.WriteLine();
        stdout.WriteLine("commands:");
        foreach (var c in commands) stdout.WriteLine($"  {c.Name,-13} {c.Summary}");
        stdout.WriteLine();
        stdout.WriteLine("Run 'renal COMMAND --help' for a command's options.");
        stdout.WriteLine("Exit codes: 0 success, 1 failure, 2 bad arguments or input, 3 refused by the server, 4 server unreachable.");
    }
}
