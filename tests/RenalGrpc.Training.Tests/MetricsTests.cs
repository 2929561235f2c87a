using RenalGrpc.Imaging;
using RenalGrpc.Imaging.Nifti;
using RenalGrpc.Training.Data;
using RenalGrpc.Training.Evaluation;
using RenalGrpc.Training.Metrics;

namespace RenalGrpc.Training.Tests;

[Collection(nameof(TinyDatasetCollection))]
public sealed class MetricsTests(TinyDataset data)
{
    [Fact]
    public void Auc_matches_hand_counted_pairs_with_ties_as_half()
    {
        // Positives 0.9, 0.4; negatives 0.4, 0.1: pairs (0.9>0.4) (0.9>0.1) (0.4=0.4 half) (0.4>0.1) = 3.5 / 4.
        Assert.Equal(0.875, ClassificationMetrics.Auc(new[] { 0.9, 0.4, 0.4, 0.1 }, new[] { true, true, false, false }), 10);
        Assert.Equal(1.0, ClassificationMetrics.Auc(new[] { 0.9, 0.8, 0.2 }, new[] { true, true, false }));
        Assert.True(double.IsNaN(ClassificationMetrics.Auc(new[] { 0.9 }, new[] { true })));
    }

    [Fact]
    public void A_case_the_engine_refuses_stops_the_evaluation_naming_that_case()
    {
        var cases = TrainingDataset.Discover(data.Folder);
        var log = new List<string>();
        int calls = 0;
        var e = Assert.Throws<ImagingException>(() => DatasetEvaluation.Run(data.Folder, "test", phases =>
        {
            if (++calls == 2) throw new ArgumentException("phase P: 3 of 9 voxels are NaN or infinite");
            var truth = NiftiFile.Read(cases[calls - 1].Phase("P")!.LabelsPath!);
            return new CaseOutcome("P", truth, null, 1);
        }, log.Add, CancellationToken.None));
        Assert.Equal($"case {cases[1].Id} cannot be analysed (stopped after 1 scored case(s), no report written): " +
            "phase P: 3 of 9 voxels are NaN or infinite. Fix or remove the case and run again", e.Message);
        Assert.Single(log); // the first case's line

        // Anything else the analysis throws is not dressed up, but the log says where it stopped.
        log.Clear();
        Assert.Throws<InvalidOperationException>(() => DatasetEvaluation.Run(data.Folder, "test", _ => throw new InvalidOperationException("native failure"),
            log.Add, CancellationToken.None));
        Assert.Equal([$"{cases[0].Id}: stopped here (0 cases scored, no report written)"], log);
    }

    [Fact]
    public void A_perfect_outcome_scores_Dice_one_and_finds_every_lesion()
    {
        var c = TrainingDataset.Discover(data.Folder).First(x => x.Subtype is not null);
        var truth = NiftiFile.Read(c.Phase("P")!.LabelsPath!);
        var probabilities = RenalSubtypes.Names.Select(n => n == c.Subtype ? 0.9 : 0.025).ToArray();
        var scored = CaseEvaluation.Score(c.Id, c.Subtype, truth, new CaseOutcome("P", truth, probabilities, 1));
        Assert.Equal(1, scored.DiceKidneyMasses, 10);
        Assert.Equal(1, scored.DiceTumor, 10);
        Assert.Equal(scored.TrueLesions, scored.DetectedTrueLesions);
        Assert.Equal(scored.TrueLesions, scored.PredictedLesions);
        Assert.Equal(c.Subtype, scored.PredictedSubtype);

        var empty = new Volume(truth.Geometry, VoxelType.UInt8, new byte[truth.Buffer.Length]);
        var missed = CaseEvaluation.Score(c.Id, c.Subtype, truth, new CaseOutcome("P", empty, null, 1));
        Assert.Equal(0, missed.DiceTumor);
        Assert.Equal(0, missed.DetectedTrueLesions);
        var summary = EvaluationSummary.From(new[] { scored, missed });
        Assert.Equal(0.5, summary.LesionRecall, 10);
        Assert.Contains("macro AUC", summary.ToTable());
        // The missed study is not a guess of the first class: it lands in the "none" column and is wrong.
        int truthRow = RenalSubtypes.Names.ToList().IndexOf(c.Subtype!);
        Assert.Equal(2, summary.ConfusionMatrix[truthRow].Sum());
        Assert.Equal(1, summary.ConfusionMatrix[truthRow][truthRow]);
        Assert.Equal(1, summary.ConfusionMatrix[truthRow][RenalSubtypes.Names.Count]);
        Assert.Equal(0.5, summary.Accuracy, 10);
        Assert.Equal(1, summary.StudiesWithVerdict);
        Assert.Contains("none", summary.ToTable());
        Assert.Contains("with a verdict (1)", summary.ToTable());

        // A study whose phase check warned is counted and shown (on phantoms every such warning is a false alarm).
        var warned = CaseEvaluation.Score(c.Id, c.Subtype, truth,
            new CaseOutcome("P", truth, probabilities, 1) { PhaseWarnings = ["phase N: the kidneys' upper quartile reads 150 HU"] });
        Assert.Equal(["phase N: the kidneys' upper quartile reads 150 HU"], warned.PhaseWarnings);
        var checkedSummary = EvaluationSummary.From(new[] { scored, missed, warned });
        Assert.Equal(1, checkedSummary.StudiesWithPhaseWarnings);
        Assert.Matches(@"phase-check warnings\s+1/3", checkedSummary.ToTable());
    }
}
