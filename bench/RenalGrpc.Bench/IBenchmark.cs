namespace RenalGrpc.Bench;

/// <summary>One benchmark section: measures, then prints a table with ratios to a reference.</summary>
internal interface IBenchmark
{
    /// <summary>Name used on the command line: `dotnet run -c Release --project bench/RenalGrpc.Bench -- NAME`.</summary>
    string Name { get; }

    Task RunAsync(BenchmarkContext context, CancellationToken cancellationToken);
}

/// <summary>Shared settings: a scratch folder and the reference Python interpreter.</summary>
internal sealed record BenchmarkContext(string ScratchDirectory, string RepositoryRoot)
{
    public const string ReferencePython = "/usr/bin/python3";
}
