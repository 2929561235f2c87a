using RenalGrpc.Engine.Analysis;
using RenalGrpc.Imaging;
using RenalGrpc.Imaging.Components;

namespace RenalGrpc.Engine.Tests.Analysis;

public sealed class FewPhaseSubtypesTests
{
    private static readonly double[] Probabilities = [0.1, 0.6, 0.1, 0.1, 0.1];

    private static LesionDiagnosis Lesion(int id, int label, params string[] phases) =>
        new(id, label, 2.0, 15.0, PatientSide.Left, Vec3.Zero, (0, 0, 0, 1, 1, 1),
            phases.ToDictionary(p => p, _ => 40.0), label == KidneyLabels.Tumor ? Probabilities : []);

    [Fact]
    public void A_tumor_read_from_fewer_phases_than_the_classifier_was_trained_on_is_warned_about()
    {
        var warnings = FewPhaseSubtypes.Warnings([Lesion(1, KidneyLabels.Tumor, "N")], classifierMinPhases: 3);
        Assert.Equal(["the subtype of lesion 1 is read from N alone: the classifier was trained on lesions seen in 3 or more phases, so these subtype probabilities are not validated"], warnings);
    }

    [Fact]
    public void Lesions_read_from_the_same_phases_share_one_sentence_and_phases_are_named_in_study_order()
    {
        var lesions = new[]
        {
            Lesion(1, KidneyLabels.Tumor, "P", "N"),
            Lesion(2, KidneyLabels.Cyst, "N"),          // cysts get no subtype: nothing to warn about
            Lesion(3, KidneyLabels.Tumor, "N", "P"),
            Lesion(4, KidneyLabels.Tumor, "N", "A", "P"),
            Lesion(5, KidneyLabels.Tumor, "D"),
        };
        var warnings = FewPhaseSubtypes.Warnings(lesions, classifierMinPhases: 3);
        Assert.Equal(2, warnings.Count);
        Assert.StartsWith("the subtypes of lesions 1 and 3 are read from N and P only: ", warnings[0]);
        Assert.StartsWith("the subtype of lesion 5 is read from D alone: ", warnings[1]);
    }

    [Fact]
    public void Enough_phases_or_no_recorded_minimum_gives_no_warning()
    {
        var single = new[] { Lesion(1, KidneyLabels.Tumor, "P") };
        Assert.Empty(FewPhaseSubtypes.Warnings(single, classifierMinPhases: null));
        Assert.Empty(FewPhaseSubtypes.Warnings(single, classifierMinPhases: 1));
        Assert.Empty(FewPhaseSubtypes.Warnings([Lesion(1, KidneyLabels.Tumor, "N", "A", "P")], classifierMinPhases: 3));
        Assert.Empty(FewPhaseSubtypes.Warnings([], classifierMinPhases: 3));
    }
}
