namespace RenalGrpc.Phantom;

/// <summary>What each case of a dataset shows: a tumor subtype or nothing (normal), and whether it has a cyst.</summary>
public sealed record CaseAssignment(int Index, RenalSubtype? Subtype, bool HasCyst);

/// <summary>Spreads cases over subtypes as asked (paper: 12/11/10/9/8 per 50; or uniform) by largest remainder.</summary>
public static class ClassBalance
{
    // ccRCC, pRCC, chRCC, oncocytoma, AML: the paper's internal test set.
    private static readonly int[] PaperWeights = [12, 11, 10, 8, 9];

    /// <summary>Counts per subtype (RenalSubtypes.All order) summing to total.</summary>
    public static int[] Counts(int total, ClassBalanceMode mode)
    {
        int[] weights = mode == ClassBalanceMode.Paper ? PaperWeights : [1, 1, 1, 1, 1];
        double sum = weights.Sum();
        var exact = weights.Select(w => total * w / sum).ToArray();
        var counts = exact.Select(e => (int)Math.Floor(e)).ToArray();
        int left = total - counts.Sum();
        // Largest remainder; ties go to the earlier (more frequent) subtype, so the result is fixed.
        foreach (int n in Enumerable.Range(0, weights.Length).OrderByDescending(n => exact[n] - counts[n]).ThenBy(n => n).Take(left))
            counts[n]++;
        return counts;
    }

    /// <summary>The dataset's cases in a seeded shuffled order.</summary>
    public static IReadOnlyList<CaseAssignment> Assign(PhantomOptions options)
    {
        options.Validate();
        int normals = (int)Math.Round(options.Cases * options.NormalFraction, MidpointRounding.AwayFromZero);
        var counts = Counts(options.Cases - normals, options.Balance);
        var subtypes = new List<RenalSubtype?>();
        for (int n = 0; n < normals; n++) subtypes.Add(null);
        for (int s = 0; s < counts.Length; s++)
            for (int n = 0; n < counts[s]; n++) subtypes.Add(RenalSubtypes.All[s]);
        var rng = new SeededRandom(SeededRandom.Derive((ulong)options.Seed, 0xBA1A));
        for (int n = subtypes.Count - 1; n > 0; n--)
        {
            int m = rng.Below(n + 1);
            (subtypes[n], subtypes[m]) = (subtypes[m], subtypes[n]);
        }
        // Normal studies have no lesion at all, so cysts go to tumor cases only.
        var tumorCases = Enumerable.Range(0, options.Cases).Where(n => subtypes[n] is not null).ToList();
        int cysts = (int)Math.Round(tumorCases.Count * options.CystFraction, MidpointRounding.AwayFromZero);
        var withCyst = tumorCases.Select(n => (n, key: rng.NextUInt64())).OrderBy(t => t.key).Take(cysts).Select(t => t.n).ToHashSet();
        return subtypes.Select((s, n) => new CaseAssignment(n, s, withCyst.Contains(n))).ToList();
    }
}
