using RenalGrpc.Engine.Analysis;
using RenalGrpc.Imaging;
using RenalGrpc.Phantom;
using RenalGrpc.Training.Evaluation;

namespace RenalGrpc.Training.Tests;

public sealed class AlignmentErrorTests
{
    private static readonly Geometry Grid = new(new GridSize(20, 20, 10), new Vec3(2, 2, 4), new Vec3(-20, -20, -20), Matrix3.Identity);

    /// <summary>A 10 x 10 x 4 block of kidney with one tumor voxel, centred at about the origin.</summary>
    private static Volume Truth()
    {
        var voxels = new byte[Grid.VoxelCount];
        for (int k = 3; k < 7; k++)
            for (int j = 5; j < 15; j++)
                for (int i = 5; i < 15; i++) voxels[Grid.Size.Index(i, j, k)] = KidneyLabels.Kidney;
        voxels[Grid.Size.Index(9, 9, 4)] = KidneyLabels.Tumor;
        return new Volume(Grid, VoxelType.UInt8, voxels);
    }

    private static readonly Dictionary<string, RecordedMotion> Recorded = new()
    {
        ["P"] = new RecordedMotion(RigidRotation.FromDegrees(new Vec3(0, 0, 2)), new Vec3(1, -1, 0)),
        ["N"] = new RecordedMotion(Matrix3.Identity, new Vec3(1, -1, 6)),  // breathing: 6 mm craniocaudal relative to P
    };

    [Fact]
    public void The_true_map_has_no_error_and_the_identity_has_the_motion_between_the_scans()
    {
        var (linear, offset) = Recorded["N"].FromReference(Recorded["P"]);
        var exact = AlignmentError.Measure(Truth(), "P", new Dictionary<string, LpsAffine> { ["N"] = new(linear, offset) }, Recorded)!;
        Assert.Equal(0, exact["N"].RegisteredMm, 9);

        // Unregistered, a point of P's scan is read at the same scanner point of N's, which the patient left:
        // patient p = Rp x + tp in P is N's scanner point p - tN, so the miss at x is |(Rp - I) x + tp - tN|.
        var truth = Truth();
        var points = Enumerable.Range(0, (int)Grid.VoxelCount).Where(n => truth.Buffer[n] != 0)
            .Select(n => Grid.IndexToPhysical(n % 20, n / 20 % 20, n / 400)).ToList();
        var rp = Recorded["P"].Rotation;
        double expected = points.Average(x => { var d = rp * x - x + new Vec3(0, 0, -6); return Math.Sqrt(d.Dot(d)); });
        var identity = AlignmentError.Measure(truth, "P", new Dictionary<string, LpsAffine> { ["N"] = LpsAffine.Identity }, Recorded)!;
        Assert.Equal(expected, identity["N"].RegisteredMm, 9);
        Assert.Equal(expected, identity["N"].UnregisteredMm, 9);
        Assert.Equal(expected, exact["N"].UnregisteredMm, 9);
        Assert.InRange(expected, 6, 7);  // 6 mm along z plus a 2 degree turn about z at up to 14 mm from its axis
    }

    [Fact]
    public void Nothing_to_compare_gives_null_and_only_recorded_phases_are_measured()
    {
        var found = new Dictionary<string, LpsAffine> { ["N"] = LpsAffine.Identity, ["A"] = LpsAffine.Identity };
        Assert.Null(AlignmentError.Measure(Truth(), "P", null, Recorded));
        Assert.Null(AlignmentError.Measure(Truth(), "P", found, null));
        Assert.Null(AlignmentError.Measure(Truth(), "D", found, Recorded));  // no record for the reference
        var empty = new Volume(Grid, VoxelType.UInt8, new byte[Grid.VoxelCount]);
        Assert.Null(AlignmentError.Measure(empty, "P", found, Recorded));
        Assert.Equal(["N"], AlignmentError.Measure(Truth(), "P", found, Recorded)!.Keys);  // A has no record
    }

    [Fact]
    public void Scoring_carries_the_error_into_the_case_and_the_summary_prints_it_per_phase()
    {
        var truth = Truth();
        var (linear, offset) = Recorded["N"].FromReference(Recorded["P"]);
        var registered = CaseEvaluation.Score("a", "ccRCC", truth,
            new CaseOutcome("P", truth, null, 0, new Dictionary<string, LpsAffine> { ["N"] = new(linear, offset) }), Recorded);
        var unregistered = CaseEvaluation.Score("b", "ccRCC", truth,
            new CaseOutcome("P", truth, null, 0, new Dictionary<string, LpsAffine> { ["N"] = LpsAffine.Identity }), Recorded);
        var fromServer = CaseEvaluation.Score("c", "ccRCC", truth, new CaseOutcome("P", truth, null, 0), Recorded);
        Assert.Null(fromServer.AlignmentErrorMm);

        var summary = EvaluationSummary.From([registered, unregistered, fromServer]);
        var n = Assert.Single(summary.AlignmentError);
        Assert.Equal(("N", 2), (n.Phase, n.Studies));
        double moved = unregistered.AlignmentErrorMm!["N"].RegisteredMm;
        Assert.Equal(moved / 2, n.MeanMm, 9);
        Assert.Equal(moved, n.MaxMm, 9);
        Assert.Equal(moved, n.MeanUnregisteredMm, 9);
        Assert.Equal(0, n.StudiesMadeWorse);
        Assert.Contains("alignment error vs recorded motion", summary.ToTable());

        Assert.Empty(EvaluationSummary.From([fromServer]).AlignmentError);
        Assert.DoesNotContain("alignment error", EvaluationSummary.From([fromServer]).ToTable());
    }
}
