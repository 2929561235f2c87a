namespace RenalGrpc.Cli;

/// <summary>One `renal` sub-command.</summary>
internal interface ICliCommand
{
    string Name { get; }

    /// <summary>One line for `renal --help`.</summary>
    string Summary { get; }

    /// <summary>Usage text shown for `renal NAME --help` and after a usage error.</summary>
    string Usage { get; }

    /// <summary>Option names that are switches (take no value).</summary>
    IReadOnlySet<string> Switches { get; }

    Task<int> RunAsync(CliArguments args, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken);
}
