namespace RenalGrpc.Engine.Classification;

/// <summary>
/// The phases behind the classifier's first three input channels: the unenhanced slot
/// (N, or its stand-in when N is missing) and two contrast phases. Channel 3 is the lesion mask.
/// </summary>
public sealed record PhaseTriplet(string Unenhanced, string First, string Second)
{
    public IReadOnlyList<string> ImagePhases => [Unenhanced, First, Second];

    public override string ToString() => Unenhanced + First + Second;
}

/// <summary>
/// The paper's phase triplets and the classifier's input stack. With N and at least two of A/P/D:
/// every pair of the available contrast phases after N (NAP, NAD, NPD; the softmax is averaged over
/// them). With N and one contrast phase X: (N, X, X). Without N (the paper required it; we go beyond):
/// the first available contrast phase (A, then P, then D) stands in for N and the same pair rule
/// runs over all contrast phases, e.g. {A, P} gives (A, A, P) and {P} gives (P, P, P). Only N gives
/// (N, N, N). The triplets depend only on WHICH phases are present, never on the order they were
/// given in, so the averaged prediction is order-invariant.
/// </summary>
public static class PhaseTriplets
{
    /// <summary>Three phase images plus the lesion mask.</summary>
    public const int InputChannels = 4;

    public const string Unenhanced = "N";

    /// <summary>Contrast phases in the order pairs are formed.</summary>
    public static IReadOnlyList<string> ContrastPhases { get; } = ["A", "P", "D"];

    public static IReadOnlyList<PhaseTriplet> For(IEnumerable<string> availablePhases)
    {
        ArgumentNullException.ThrowIfNull(availablePhases);
        var present = availablePhases.ToHashSet(StringComparer.Ordinal);
        var unknown = present.Where(p => p != Unenhanced && !ContrastPhases.Contains(p)).ToArray();
        if (unknown.Length > 0) throw new ArgumentException($"unknown phase(s) {string.Join(", ", unknown)}; expected N, A, P, D");
        if (present.Count == 0) throw new ArgumentException("no phase available to classify from");

        var contrasts = ContrastPhases.Where(present.Contains).ToArray();
        string first = present.Contains(Unenhanced) ? Unenhanced : contrasts[0];
        if (contrasts.Length == 0) return [new PhaseTriplet(first, first, first)];
        if (contrasts.Length == 1) return [new PhaseTriplet(first, contrasts[0], contrasts[0])];
        var triplets = new List<PhaseTriplet>();
        for (int a = 0; a < contrasts.Length; a++)
            for (int b = a + 1; b < contrasts.Length; b++) triplets.Add(new PhaseTriplet(first, contrasts[a], contrasts[b]));
        return triplets;
    }

    /// <summary>
    /// One 4 x Size x Size input (channel-major, then rows, then columns): the crops of the triplet's
    /// three phases, then the lesion mask as cut from the unenhanced slot's phase (every phase's crop
    /// carries its own mask, so the function stays correct if phases ever get different slices).
    /// </summary>
    public static float[] Stack(PhaseTriplet triplet, IReadOnlyDictionary<string, LesionCrop> crops)
    {
        ArgumentNullException.ThrowIfNull(triplet);
        ArgumentNullException.ThrowIfNull(crops);
        var images = triplet.ImagePhases.Select(p => crops.TryGetValue(p, out var c)
            ? c
            : throw new ArgumentException($"no crop for phase {p} (triplet {triplet})")).ToArray();
        int size = images[0].Size;
        if (images.Any(c => c.Size != size)) throw new ArgumentException($"crops of triplet {triplet} differ in size");
        int plane = size * size;
        var stack = new float[InputChannels * plane];
        for (int c = 0; c < 3; c++) images[c].Image.CopyTo(stack, c * plane);
        images[0].Mask.CopyTo(stack, 3 * plane);
        return stack;
    }

    /// <summary>All triplets' stacks back to back: a Triplets x 4 x Size x Size batch.</summary>
    public static float[] Batch(IReadOnlyList<PhaseTriplet> triplets, IReadOnlyDictionary<string, LesionCrop> crops)
    {
        ArgumentNullException.ThrowIfNull(triplets);
        if (triplets.Count == 0) throw new ArgumentException("no triplets to stack");
        return triplets.SelectMany(t => Stack(t, crops)).ToArray();
    }
}
