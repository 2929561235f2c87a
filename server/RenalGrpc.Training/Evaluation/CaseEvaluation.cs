using RenalGrpc.Engine.Analysis;
using RenalGrpc.Imaging;
using RenalGrpc.Imaging.Components;
using RenalGrpc.Imaging.Resampling;
using RecordedMotion = RenalGrpc.Phantom.RecordedMotion;
using RenalGrpc.Training.Segmentation;

namespace RenalGrpc.Training.Evaluation;

/// <summary>What an analysis (local engine or server) returned for one case.</summary>
/// <param name="StudyProbabilities">The study verdict in RenalSubtypes order; null when no tumor was found.</param>
/// <param name="ReferenceToPhase">Reference LPS to phase LPS per moving phase as the registration found it;
/// null where the analysis does not say (a server's diagnosis carries no transforms).</param>
public sealed record CaseOutcome(string ReferencePhase, Volume Labels, IReadOnlyList<double>? StudyProbabilities, double Seconds,
    IReadOnlyDictionary<string, LpsAffine>? ReferenceToPhase = null)
{
    /// <summary>Every phase on the reference grid as stage 2 read it; only a local analysis has them (for <see cref="SavedAnalysis"/>).</summary>
    public IReadOnlyDictionary<string, Volume>? AlignedImages { get; init; }

    /// <summary>The phase check's warnings (<see cref="PhaseConsistencyCheck"/>); empty when every phase enhanced as named.</summary>
    public IReadOnlyList<string> PhaseWarnings { get; init; } = [];
}

/// <summary>One case scored against its ground truth in the reference phase's grid.</summary>
/// <param name="LargestTumorRadiusMm">Radius of the sphere with the volume of the largest true tumor component
/// (26-neighbour) in the reference truth; NaN without a tumor. Read from the mask, not from case.json, so
/// that KiTS23 cases have it too.</param>
/// <param name="AlignmentErrorMm">Per moving phase, the registration's mean distance from the generator's recorded
/// motion over the truth's kidney and mass voxels (<see cref="AlignmentError"/>); null without a record or transforms.</param>
public sealed record CaseEvaluation(
    string CaseId,
    string? TrueSubtype,
    string ReferencePhase,
    double DiceKidneyMasses,
    double DiceTumor,
    int TrueLesions,
    int DetectedTrueLesions,
    int PredictedLesions,
    int CorrectPredictedLesions,
    IReadOnlyList<double>? StudyProbabilities,
    string PredictedSubtype,
    double Seconds,
    double LargestTumorRadiusMm,
    IReadOnlyDictionary<string, PhaseMisalignment>? AlignmentErrorMm = null)
{
    /// <summary>What the phase check said about this study's phases (on phantoms, whose phases are what they are named, nothing).</summary>
    public IReadOnlyList<string> PhaseWarnings { get; init; } = [];

    /// <summary>Scores one outcome. Lesions are connected components (26-neighbour) of labels 2 and 3 together; a lesion counts as found when any voxel overlaps.</summary>
    /// <param name="recordedMotion">case.json's motion per phase, for <see cref="AlignmentErrorMm"/>; null for none.</param>
    public static CaseEvaluation Score(string caseId, string? trueSubtype, Volume truth, CaseOutcome outcome,
        IReadOnlyDictionary<string, RecordedMotion>? recordedMotion = null)
    {
        var predicted = outcome.Labels.Geometry.IsSameGrid(truth.Geometry, 1e-2, 1e-4)
            ? outcome.Labels
            : LabelResampler.Resample(outcome.Labels, truth.Geometry);
        var p = predicted.Buffer;
        var t = truth.VoxelType == VoxelType.UInt8 ? truth.Buffer : truth.ToFloatArray().Select(v => (byte)v).ToArray();
        double kidney = SegmentationValidation.Dice(p, t, l => l > 0);
        bool tumorPresent = t.Any(l => l == KidneyLabels.Tumor);
        double tumor = tumorPresent ? SegmentationValidation.Dice(p, t, l => l == KidneyLabels.Tumor) : double.NaN;

        var (trueCount, trueFound) = Overlaps(t, p, truth.Geometry.Size);
        var (predictedCount, predictedCorrect) = Overlaps(p, t, truth.Geometry.Size);
        string subtype = outcome.StudyProbabilities is { Count: > 0 } probabilities
            ? RenalSubtypes.Names[probabilities.Select((v, n) => (v, n)).MaxBy(x => x.v).n]
            : "";
        return new CaseEvaluation(caseId, trueSubtype, outcome.ReferencePhase, kidney, tumor, trueCount, trueFound,
            predictedCount, predictedCorrect, outcome.StudyProbabilities, subtype, outcome.Seconds,
            tumorPresent ? LargestTumorRadius(t, truth.Geometry) : double.NaN,
            AlignmentError.Measure(truth, outcome.ReferencePhase, outcome.ReferenceToPhase, recordedMotion))
        {
            PhaseWarnings = outcome.PhaseWarnings,
        };
    }

    private static double LargestTumorRadius(byte[] labels, Geometry grid)
    {
        var mask = new byte[labels.Length];
        for (int n = 0; n < labels.Length; n++) mask[n] = (byte)(labels[n] == KidneyLabels.Tumor ? 1 : 0);
        var labeling = ConnectedComponents.Label(mask, grid.Size, Connectivity.TwentySix);
        long voxels = labeling.VoxelCount(labeling.LabelsBySize()[0]);
        double cubicMm = voxels * grid.Spacing.X * grid.Spacing.Y * grid.Spacing.Z;
        return Math.Cbrt(3 * cubicMm / (4 * Math.PI));
    }

    /// <summary>Components of masses in <paramref name="of"/> and how many touch a mass voxel of <paramref name="other"/>.</summary>
    private static (int Count, int Overlapping) Overlaps(byte[] of, byte[] other, GridSize size)
    {
        var mask = new byte[of.Length];
        for (int n = 0; n < of.Length; n++) mask[n] = (byte)(of[n] >= KidneyLabels.Tumor ? 1 : 0);
        var labeling = ConnectedComponents.Label(mask, size, Connectivity.TwentySix);
        var hit = new bool[labeling.ComponentCount + 1];
        for (int n = 0; n < of.Length; n++)
        {
            int c = labeling.Labels[n];
            if (c > 0 && other[n] >= KidneyLabels.Tumor) hit[c] = true;
        }
        return (labeling.ComponentCount, hit.Count(h => h));
    }
}
