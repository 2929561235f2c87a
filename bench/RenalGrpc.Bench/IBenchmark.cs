namespace RenalGrpc.Bench;

/// <summary>One benchmark section: measures, then prints a table with ratios to a reference.</summary>
internal interface IBenchmark
{
    /// <summary>Name used on the command line: `dotnet run -c Release --project bench/RenalGrpc.Bench -- NAME`.</summary>
    string Name { get; }

    Task RunAsync(BenchmarkContext context, CancellationToken cancellationToken);
}

/// <summary>Shared settings: a scratch folder, the reference Python interpreter and the model for the engine section.</summary>
internal sealed record BenchmarkContext(string ScratchDirectory, string RepositoryRoot)
{
    public const string ReferencePython = "/usr/bin/python3";

    /// <summary>Checkpoint folder from `--model PATH`; null = the repository's models/default or a random-weight one.</summary>
    public string? ModelFolder { get; init; }

    /// <summary>`--quick`: sections that support it run a short smoke version (engine: no realistic study).</summary>
    public bool Quick { get; init; }
}
