namespace RenalGrpc.Training.Metrics;

/// <summary>Ranking metrics for the subtype classifier: one-vs-rest AUC, macro AUC, confusion matrix.</summary>
public static class ClassificationMetrics
{
    /// <summary>
    /// Area under the ROC curve of scores for positives vs negatives (the Mann-Whitney U statistic
    /// with ties counted half); NaN when either group is empty.
    /// </summary>
    public static double Auc(IReadOnlyList<double> scores, IReadOnlyList<bool> positive)
    {
        if (scores.Count != positive.Count) throw new ArgumentException("scores and labels differ in length");
        var order = Enumerable.Range(0, scores.Count).OrderBy(n => scores[n]).ToArray();
        // Average ranks over ties.
        var ranks = new double[scores.Count];
        for (int start = 0; start < order.Length;)
        {
            int end = start;
            while (end + 1 < order.Length && scores[order[end + 1]] == scores[order[start]]) end++;
            double rank = (start + end) / 2.0 + 1;
            for (int n = start; n <= end; n++) ranks[order[n]] = rank;
            start = end + 1;
        }
        long positives = positive.Count(p => p), negatives = positive.Count - positives;
        if (positives == 0 || negatives == 0) return double.NaN;
        double rankSum = 0;
        for (int n = 0; n < ranks.Length; n++) if (positive[n]) rankSum += ranks[n];
        return (rankSum - positives * (positives + 1) / 2.0) / (positives * (double)negatives);
    }

    /// <summary>Per-class one-vs-rest AUC (NaN for a class absent from the truth) and their mean over defined classes.</summary>
    public static (double[] PerClass, double Macro) OneVsRest(IReadOnlyList<double[]> probabilities, IReadOnlyList<int> truth, int classes)
    {
        var perClass = new double[classes];
        for (int c = 0; c < classes; c++)
            perClass[c] = Auc(probabilities.Select(p => p[c]).ToArray(), truth.Select(t => t == c).ToArray());
        var defined = perClass.Where(a => !double.IsNaN(a)).ToArray();
        return (perClass, defined.Length == 0 ? double.NaN : defined.Average());
    }
}
