using RenalGrpc.Engine.Classification;
using RenalGrpc.Engine.Model;
using RenalGrpc.Engine.Preprocessing;
using RenalGrpc.Imaging;
using static TorchSharp.torch;

namespace RenalGrpc.Engine.Tests.Classification;

public sealed class LesionClassifierTests
{
    private static readonly Geometry Grid = Geometry.Axial(new GridSize(32, 32, 6), new Vec3(1, 1, 3), new Vec3(0, 0, 0));

    private static (Dictionary<string, Volume> Images, byte[] Mask) Study()
    {
        var mask = new byte[Grid.VoxelCount];
        var images = new Dictionary<string, Volume>();
        for (int k = 2; k <= 3; k++)
            for (int j = 10; j < 20; j++)
                for (int i = 8; i < 22; i++) mask[Grid.Size.Index(i, j, k)] = 1;
        float[] phaseHu = [30, 170, 140, 95];
        foreach (var (phase, hu) in new[] { "N", "A", "P", "D" }.Zip(phaseHu))
        {
            var values = new float[Grid.VoxelCount];
            for (int n = 0; n < values.Length; n++) values[n] = mask[n] != 0 ? hu : 40 + n % 7;
            images[phase] = Volume.FromVoxels<float>(Grid, values);
        }
        return (images, mask);
    }

    [Fact]
    public void ProbabilitiesAreTheMeanSoftmaxOverThePhaseTriplets()
    {
        manual_seed(3);
        using var network = new SubtypeClassifier(new SubtypeClassifierOptions { Widths = [4, 8], BlocksPerStage = [1, 1] });
        var classifier = new LesionClassifier(network, new CropOptions { Size = 16 }, IntensityNormalization.Paper);
        var (images, mask) = Study();
        var result = classifier.Classify(images, mask)!;
        Assert.Equal(new[] { "NAP", "NAD", "NPD" }, result.Triplets.Select(t => t.ToString()));
        Assert.Equal(5, result.Probabilities.Count);
        Assert.Equal(1, result.Probabilities.Sum(), 5);
        Assert.All(result.Crops.Values, box => Assert.Equal(new SliceBox(2, 3, 5, 26, 24), box));

        // One triplet at a time gives the same mean.
        var crops = images.ToDictionary(p => p.Key, p => LesionCrops.Crop(p.Value, mask, classifier.Crop, classifier.Normalization)!);
        var single = result.Triplets.Select(t => classifier.Predict(PhaseTriplets.Stack(t, crops), 1)).ToArray();
        for (int c = 0; c < 5; c++) Assert.Equal(single.Average(p => p[c]), result.Probabilities[c], 5);

        // Another insertion order of the phases, the same answer to the last bit.
        var reordered = new[] { "P", "D", "A", "N" }.ToDictionary(p => p, p => images[p]);
        Assert.Equal(result.Probabilities, classifier.Classify(reordered, mask)!.Probabilities);
        Assert.Null(classifier.Classify(images, new byte[Grid.VoxelCount]));
    }

    [Fact]
    public void AClassifierWithoutTheMaskChannelIsRefused()
    {
        using var network = new SubtypeClassifier(new SubtypeClassifierOptions { InputChannels = 3, Widths = [4], BlocksPerStage = [1] });
        Assert.Throws<ArgumentException>(() => new LesionClassifier(network, new CropOptions(), IntensityNormalization.Paper));
    }
}
