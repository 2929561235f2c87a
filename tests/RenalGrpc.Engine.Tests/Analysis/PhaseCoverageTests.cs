using RenalGrpc.Engine.Analysis;
using RenalGrpc.Engine.Classification;
using RenalGrpc.Engine.Model;
using RenalGrpc.Engine.Preprocessing;
using RenalGrpc.Imaging;
using RenalGrpc.Imaging.Components;
using static TorchSharp.torch;

namespace RenalGrpc.Engine.Tests.Analysis;

/// <summary>A phase whose scan stops short of a lesion is missing for that lesion, not a source of air.</summary>
public sealed class PhaseCoverageTests
{
    private static readonly Geometry Grid = Geometry.Axial(new GridSize(32, 32, 10), new Vec3(0.8, 0.8, 2.5), new Vec3(-12, -12, -12));

    private static (AlignedStudy Aligned, Volume Labels) Study(int outsideFromSlice)
    {
        var random = new Random(4);
        var images = new Dictionary<string, Volume>(StringComparer.Ordinal);
        foreach (var phase in new[] { "N", "A", "P", "D" })
        {
            var values = new float[Grid.VoxelCount];
            for (int n = 0; n < values.Length; n++) values[n] = (float)(random.NextDouble() * 200 - 20);
            // Phase A's scan ends at slice outsideFromSlice: beyond it the warp reads air.
            if (phase == "A") values.AsSpan((int)Grid.Size.Index(0, 0, outsideFromSlice)).Fill(PhaseWarp.OutsideHu);
            images[phase] = Volume.FromVoxels<float>(Grid, values);
        }
        var labels = new byte[Grid.VoxelCount];
        for (int k = 2; k < 8; k++)
            for (int j = 10; j < 20; j++)
                for (int i = 10; i < 20; i++)
                    labels[Grid.Size.Index(i, j, k)] = KidneyLabels.Tumor; // 600 voxels, slices 2-7
        return (new AlignedStudy("P", Grid, images, []), Volume.FromVoxels<byte>(Grid, labels));
    }

    private static LesionClassifier Classifier()
    {
        manual_seed(6);
        var network = new SubtypeClassifier(new SubtypeClassifierOptions { Widths = [4, 8], BlocksPerStage = [1, 1] });
        return new LesionClassifier(network, new CropOptions { Size = 16 }, IntensityNormalization.Paper);
    }

    [Fact]
    public void APhaseThatStopsShortOfTheLesionIsLeftOutOfItsHuAndItsClassification()
    {
        var classifier = Classifier();
        var (aligned, labels) = Study(outsideFromSlice: 5); // half the tumor (slices 5-7) beyond A's scan
        var lesion = StudyDiagnoser.Diagnose(aligned, labels, classifier, Connectivity.Six, default).Lesions.Single();
        Assert.Equal(["D", "N", "P"], lesion.MeanHu.Keys.Order());

        // The same as a study that never had phase A.
        var withoutA = aligned with { ImagesOnReference = aligned.ImagesOnReference.Where(p => p.Key != "A").ToDictionary() };
        var reference = StudyDiagnoser.Diagnose(withoutA, labels, classifier, Connectivity.Six, default).Lesions.Single();
        Assert.Equal(reference.SubtypeProbabilities, lesion.SubtypeProbabilities);
        Assert.Equal(reference.MeanHu, lesion.MeanHu);
    }

    [Fact]
    public void APhaseThatMissesLessThanATenthOfTheLesionStillCounts()
    {
        var classifier = Classifier();
        var (aligned, labels) = Study(outsideFromSlice: 7); // 100 of 600 voxels outside: over a tenth, left out
        Assert.DoesNotContain("A", StudyDiagnoser.Diagnose(aligned, labels, classifier, Connectivity.Six, default).Lesions.Single().MeanHu.Keys);

        var runs = ComponentRuns.Split(ConnectedComponents.Label(labels.Buffer, Grid.Size, Connectivity.Six)).Single();
        var values = aligned.ImagesOnReference["A"].Voxels<float>();
        values.Fill(0);
        for (int n = 0; n < 60; n++) values[(int)Grid.Size.Index(10 + n % 10, 10 + n / 10, 7)] = PhaseWarp.OutsideHu; // 60 of 600: a tenth
        Assert.Contains("A", PhaseCoverage.Covering(aligned.ImagesOnReference, runs).Keys);
        values[(int)Grid.Size.Index(10, 16, 7)] = PhaseWarp.OutsideHu;
        Assert.DoesNotContain("A", PhaseCoverage.Covering(aligned.ImagesOnReference, runs).Keys);
    }
}
