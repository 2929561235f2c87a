namespace RenalGrpc.Engine.Analysis;

/// <summary>Which phase's grid the study is aligned onto and reported in.</summary>
public static class ReferencePhase
{
    /// <summary>The paper's preference (nephrographic shows kidney and tumor best), then N as a last resort.</summary>
    public static IReadOnlyList<string> Preference { get; } = ["P", "A", "D", "N"];

    /// <summary>
    /// The requested phase when given (it must be present), else the first of P, A, D, N that is
    /// present. Throws ArgumentException for an absent request or when no known phase is present.
    /// </summary>
    public static string Choose(IEnumerable<string> presentPhases, string? requested)
    {
        ArgumentNullException.ThrowIfNull(presentPhases);
        var present = presentPhases.ToHashSet(StringComparer.Ordinal);
        if (!string.IsNullOrEmpty(requested))
        {
            if (!Preference.Contains(requested)) throw new ArgumentException($"reference phase '{requested}' is not one of N, A, P, D");
            if (!present.Contains(requested))
                throw new ArgumentException($"reference phase {requested} was requested but the study has only {string.Join(", ", Preference.Where(present.Contains))}");
            return requested;
        }
        return Preference.FirstOrDefault(present.Contains)
            ?? throw new ArgumentException("the study has none of the phases N, A, P, D");
    }
}
