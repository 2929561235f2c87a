using RenalGrpc.Engine.Analysis;
using RenalGrpc.Imaging;
using RenalGrpc.Phantom;

namespace RenalGrpc.Training.Evaluation;

/// <summary>One moving phase's misalignment (mm): after the registration, and had the phase been read unmoved.</summary>
public sealed record PhaseMisalignment(double RegisteredMm, double UnregisteredMm);

/// <summary>
/// How far the registration's reference-to-phase map lands from the true one (the motion the phantom
/// generator recorded in case.json): the mean distance in mm between the two maps' images of the
/// reference truth's kidney and mass voxels, per moving phase. That is where the alignment matters (the
/// kidney-ROI stage and the classifier read the other phases there), and a mean over those voxels
/// weighs rotation about as the lesions feel it.
/// </summary>
public static class AlignmentError
{
    /// <param name="truth">Ground truth in the reference phase's grid (labels 0-3).</param>
    /// <param name="found">Reference LPS to phase LPS per moving phase, as the analysis registered it.</param>
    /// <param name="recorded">case.json's motion per phase (<see cref="RecordedMotion.Read"/>).</param>
    /// <returns>Mean error (mm) per moving phase present in all three, with the error of the identity map (the
    /// phase read unmoved) beside it for scale; null when there is nothing to compare
    /// (no recorded motion, no transforms, or no foreground in the truth).</returns>
    public static IReadOnlyDictionary<string, PhaseMisalignment>? Measure(Volume truth, string referencePhase,
        IReadOnlyDictionary<string, LpsAffine>? found, IReadOnlyDictionary<string, RecordedMotion>? recorded)
    {
        if (found is null || recorded is null || !recorded.TryGetValue(referencePhase, out var reference)) return null;
        var foreground = ForegroundPoints(truth);
        if (foreground.Count == 0) return null;
        var errors = new Dictionary<string, PhaseMisalignment>(StringComparer.Ordinal);
        foreach (var (phase, map) in found)
        {
            if (phase == referencePhase || !recorded.TryGetValue(phase, out var motion)) continue;
            var (linear, offset) = motion.FromReference(reference);
            double registered = 0, unregistered = 0;
            foreach (var point in foreground)
            {
                var expected = linear * point + offset;
                var difference = map.Apply(point) - expected;
                registered += Math.Sqrt(difference.Dot(difference));
                difference = point - expected;
                unregistered += Math.Sqrt(difference.Dot(difference));
            }
            errors[phase] = new PhaseMisalignment(registered / foreground.Count, unregistered / foreground.Count);
        }
        return errors.Count == 0 ? null : errors;
    }

    private static List<Vec3> ForegroundPoints(Volume truth)
    {
        var grid = truth.Geometry;
        var size = grid.Size;
        var labels = truth.VoxelType == VoxelType.UInt8 ? truth.Buffer : truth.ToFloatArray().Select(v => (byte)v).ToArray();
        var points = new List<Vec3>();
        for (int k = 0, n = 0; k < size.K; k++)
            for (int j = 0; j < size.J; j++)
                for (int i = 0; i < size.I; i++, n++)
                    if (labels[n] != 0) points.Add(grid.IndexToPhysical(i, j, k));
        return points;
    }
}

/// <summary>
/// One moving phase's registration error over an evaluation: mean and worst of the studies' mean errors, the
/// mean had the phases been read unmoved, and in how many studies the registration made it worse than that.
/// </summary>
public sealed record PhaseAlignmentError(string Phase, int Studies, double MeanMm, double MaxMm, double MeanUnregisteredMm, int StudiesMadeWorse)
{
    /// <summary>Per phase in N, A, P, D order, over the cases that have an error for it.</summary>
    public static IReadOnlyList<PhaseAlignmentError> From(IEnumerable<CaseEvaluation> cases)
    {
        var perPhase = cases.Where(c => c.AlignmentErrorMm is not null).SelectMany(c => c.AlignmentErrorMm!)
            .GroupBy(e => e.Key, e => e.Value);
        return perPhase.OrderBy(g => "NAPD".IndexOf(g.Key, StringComparison.Ordinal))
            .Select(g => new PhaseAlignmentError(g.Key, g.Count(), g.Average(e => e.RegisteredMm), g.Max(e => e.RegisteredMm),
                g.Average(e => e.UnregisteredMm), g.Count(e => e.RegisteredMm > e.UnregisteredMm))).ToList();
    }
}
