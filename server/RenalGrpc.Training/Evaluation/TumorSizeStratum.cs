namespace RenalGrpc.Training.Evaluation;

/// <summary>
/// The figures of the studies whose largest true tumor falls in one size band. On coarse scans the
/// mean tumor Dice and the AUCs are decided by the smallest tumors (a tumor of 5-10 mm radius at
/// 2.6 x 2.6 x 5 mm is 12-100 voxels, and one voxel of border costs it a third of its Dice), so a single mean hides where
/// a model stands; this is the breakdown MODEL.md reports.
/// </summary>
/// <param name="MinRadiusMm">Lower bound, inclusive (equivalent-sphere radius of the largest true tumor component).</param>
/// <param name="MaxRadiusMm">Upper bound, exclusive; infinity for the last band.</param>
/// <param name="FalseLesions">Predicted lesions (tumors and cysts) of these studies that touch no true lesion.</param>
public sealed record TumorSizeStratum(
    double MinRadiusMm,
    double MaxRadiusMm,
    int Studies,
    double MeanDiceTumor,
    int TrueLesions,
    int DetectedTrueLesions,
    int FalseLesions,
    int StudiesWithVerdict)
{
    /// <summary>Band edges in mm: under 10, 10-15, 15 and more (1-2 cm, 2-3 cm, 3 cm and more across).</summary>
    public static readonly double[] DefaultEdgesMm = { 10, 15 };

    public string Name => double.IsPositiveInfinity(MaxRadiusMm) ? $"{MinRadiusMm:0} mm and more"
        : MinRadiusMm == 0 ? $"under {MaxRadiusMm:0} mm" : $"{MinRadiusMm:0}-{MaxRadiusMm:0} mm";

    /// <summary>One stratum per band, empty bands included; studies without a true tumor are in none.</summary>
    public static IReadOnlyList<TumorSizeStratum> From(IReadOnlyList<CaseEvaluation> cases, IReadOnlyList<double> edgesMm)
    {
        ArgumentNullException.ThrowIfNull(cases);
        ArgumentNullException.ThrowIfNull(edgesMm);
        if (edgesMm.Any(e => !(e > 0)) || edgesMm.Zip(edgesMm.Skip(1)).Any(p => p.Second <= p.First))
            throw new ArgumentException("band edges must be positive and increasing", nameof(edgesMm));
        var lower = edgesMm.Prepend(0.0).ToArray();
        var upper = edgesMm.Append(double.PositiveInfinity).ToArray();
        return lower.Select((low, n) =>
        {
            var band = cases.Where(c => c.LargestTumorRadiusMm >= low && c.LargestTumorRadiusMm < upper[n]).ToArray();
            return new TumorSizeStratum(low, upper[n], band.Length,
                band.Select(c => c.DiceTumor).DefaultIfEmpty(double.NaN).Average(),
                band.Sum(c => c.TrueLesions), band.Sum(c => c.DetectedTrueLesions),
                band.Sum(c => c.PredictedLesions - c.CorrectPredictedLesions),
                band.Count(c => c.StudyProbabilities is { Count: > 0 }));
        }).ToArray();
    }
}
