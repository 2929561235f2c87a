namespace RenalGrpc.Phantom;

/// <summary>The four contrast phases of a renal mass protocol, in acquisition order.</summary>
public enum ContrastPhase
{
    /// <summary>Unenhanced.</summary>
    N = 0,
    /// <summary>Corticomedullary (arterial).</summary>
    A = 1,
    /// <summary>Nephrographic (portal venous).</summary>
    P = 2,
    /// <summary>Excretory (delayed).</summary>
    D = 3,
}

public static class ContrastPhases
{
    public static IReadOnlyList<ContrastPhase> All { get; } = [ContrastPhase.N, ContrastPhase.A, ContrastPhase.P, ContrastPhase.D];

    /// <summary>Parses a phase list such as "NAPD" or "AP"; order follows acquisition order, duplicates rejected.</summary>
    public static IReadOnlyList<ContrastPhase> Parse(string letters)
    {
        if (string.IsNullOrEmpty(letters)) throw new ArgumentException("phase list is empty; use letters from N, A, P, D");
        var set = new SortedSet<ContrastPhase>();
        foreach (char c in letters)
        {
            if (!Enum.TryParse<ContrastPhase>(c.ToString(), ignoreCase: false, out var phase) || !char.IsUpper(c))
                throw new ArgumentException($"phase list '{letters}': '{c}' is not one of N, A, P, D");
            if (!set.Add(phase)) throw new ArgumentException($"phase list '{letters}' names {c} twice");
        }
        return set.ToList();
    }
}
