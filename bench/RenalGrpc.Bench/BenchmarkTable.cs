namespace RenalGrpc.Bench;

/// <summary>Prints aligned rows: what was measured, ours, the reference, and the ratio.</summary>
internal sealed class BenchmarkTable(string title, string unit)
{
    private readonly List<(string Case, double Ours, double Reference, string ReferenceName)> _rows = [];

    /// <summary>Adds a row. For throughput units (MB/s) a ratio above 1 means we are faster.</summary>
    public void Add(string measuredCase, double ours, double reference, string referenceName) =>
        _rows.Add((measuredCase, ours, reference, referenceName));

    public void Print(TextWriter output)
    {
        output.WriteLine();
        output.WriteLine($"## {title}");
        output.WriteLine($"| case | RenalGrpc ({unit}) | reference ({unit}) | reference | ratio |");
        output.WriteLine("|---|---:|---:|---|---:|");
        foreach (var r in _rows)
        {
            double ratio = IsTime(unit) ? r.Reference / r.Ours : r.Ours / r.Reference;
            output.WriteLine(FormattableString.Invariant($"| {r.Case} | {r.Ours:F1} | {r.Reference:F1} | {r.ReferenceName} | {ratio:F2}x |"));
        }
        output.WriteLine(IsTime(unit) ? "(ratio = reference time / our time; above 1 means RenalGrpc is faster)" : "(ratio = ours / reference; above 1 means RenalGrpc is faster)");
    }

    private static bool IsTime(string u) => u is "ms" or "s";
}
