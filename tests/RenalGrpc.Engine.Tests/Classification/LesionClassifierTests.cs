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

    [Fact]
    public void FlipAveragingMakesTheAnswerBlindToTheLesionsOrientation()
    {
        manual_seed(5);
        using var network = new SubtypeClassifier(new SubtypeClassifierOptions { Widths = [4, 8], BlocksPerStage = [1, 1] });
        var (images, mask) = Study();
        // The same study mirrored along j (rows of a crop): an asymmetric image so the plain answer changes.
        var mirroredImages = images.ToDictionary(p => p.Key, p => Mirror(Skew(p.Value)));
        var skewed = images.ToDictionary(p => p.Key, p => Skew(p.Value));
        var mirroredMask = Mirror(Volume.FromVoxels<byte>(Grid, mask)).Buffer;

        var plain = new LesionClassifier(network, new CropOptions { Size = 16 }, IntensityNormalization.Paper);
        var flipped = new LesionClassifier(network, new CropOptions { Size = 16, FlipAverage = true }, IntensityNormalization.Paper);
        var a = flipped.Classify(skewed, mask)!.Probabilities;
        var b = flipped.Classify(mirroredImages, mirroredMask)!.Probabilities;
        for (int c = 0; c < 5; c++) Assert.Equal(a[c], b[c], 6);
        var plainA = plain.Classify(skewed, mask)!.Probabilities;
        var plainB = plain.Classify(mirroredImages, mirroredMask)!.Probabilities;
        Assert.True(plainA.Zip(plainB).Max(p => Math.Abs(p.First - p.Second)) > 1e-4, "the random network should not be symmetric by itself");
        Assert.Equal(1, a.Sum(), 5);
    }

    [Fact]
    public void JitterAveragingIsTheMeanOverEveryJitteredCropOfEveryTriplet()
    {
        manual_seed(6);
        using var network = new SubtypeClassifier(new SubtypeClassifierOptions { Widths = [4, 8], BlocksPerStage = [1, 1] });
        var (images, mask) = Study();
        var jittered = new LesionClassifier(network, new CropOptions { Size = 16, JitterAverage = true }, IntensityNormalization.Paper);
        var result = jittered.Classify(images, mask)!;

        var crops = images.ToDictionary(p => p.Key, p => LesionCrops.Crop(p.Value, mask, jittered.Crop, jittered.Normalization)!);
        var box = crops["P"].Box;
        var draws = CropJitter.AllDraws(box.Width, box.Height, 16);
        Assert.Equal(27, draws.Count); // a 14 x 10 voxel lesion shrinks
        var each = result.Triplets
            .SelectMany(t => draws.Select(d => jittered.Predict(CropJitter.Apply(PhaseTriplets.Stack(t, crops), 16, d), 1)))
            .ToArray();
        for (int c = 0; c < 5; c++) Assert.Equal(each.Average(p => p[c]), result.Probabilities[c], 5);

        var plain = new LesionClassifier(network, new CropOptions { Size = 16 }, IntensityNormalization.Paper).Classify(images, mask)!;
        Assert.True(plain.Probabilities.Zip(result.Probabilities).Max(p => Math.Abs(p.First - p.Second)) > 1e-4, "jitter changed nothing");
        Assert.Equal(plain.Crops, result.Crops); // the reported boxes are the unjittered crop's
    }

    [Fact]
    public void SliceAveragingIsTheMeanOverTheLesionsLargeSlices()
    {
        manual_seed(7);
        using var network = new SubtypeClassifier(new SubtypeClassifierOptions { Widths = [4, 8], BlocksPerStage = [1, 1] });
        var (images, mask) = Study();
        // Slice 2 keeps its 14 x 10 pixels, slice 3 is cut to 14 x 6 (60%) and slice 4 gets 14 x 2 (20%).
        for (int j = 16; j < 20; j++)
            for (int i = 8; i < 22; i++) mask[Grid.Size.Index(i, j, 3)] = 0;
        for (int j = 10; j < 12; j++)
            for (int i = 8; i < 22; i++) mask[Grid.Size.Index(i, j, 4)] = 1;
        images = images.ToDictionary(p => p.Key, p => Skew(p.Value));

        var plain = new LesionClassifier(network, new CropOptions { Size = 16 }, IntensityNormalization.Paper);
        var averaged = new LesionClassifier(network, new CropOptions { Size = 16, SliceAverageShare = 0.5 }, IntensityNormalization.Paper);
        var perSlice = new[] { 2, 3 }.Select(k =>
        {
            var crops = images.ToDictionary(p => p.Key, p => LesionCrops.CropSlice(p.Value, mask, k, plain.Crop, plain.Normalization)!);
            return plain.FromCrops(crops)!.Probabilities;
        }).ToArray();
        Assert.Equal(plain.Classify(images, mask)!.Probabilities, perSlice[0]);
        Assert.True(perSlice[0].Zip(perSlice[1]).Max(p => Math.Abs(p.First - p.Second)) > 1e-5, "the two slices should differ");

        var result = averaged.Classify(images, mask)!;
        for (int c = 0; c < 5; c++) Assert.Equal((perSlice[0][c] + perSlice[1][c]) / 2, result.Probabilities[c], 6);
        Assert.All(result.Crops.Values, box => Assert.Equal(2, box.K));   // boxes reported for the largest slice
        // The lesion as runs (the edit loop's form) gives the same answer to the last bit.
        var runs = RenalGrpc.Imaging.Components.ComponentRuns.Split(
            RenalGrpc.Imaging.Components.ConnectedComponents.Label(mask, Grid.Size, RenalGrpc.Imaging.Components.Connectivity.Six))[0];
        Assert.Equal(result.Probabilities, averaged.Classify(images, runs)!.Probabilities);
        Assert.Throws<ArgumentException>(() => new CropOptions { SliceAverageShare = 1.5 }.Validate());
    }

    [Fact]
    public void SlicesToClassifyStartWithTheLargestAndKeepThoseOverTheShare()
    {
        Assert.Equal(new[] { 12 }, LesionCrops.SlicesToClassify([0, 4, 10, 5], 10, 0));
        Assert.Equal(new[] { 12, 11, 13 }, LesionCrops.SlicesToClassify([0, 4, 10, 5], 10, 0.4));
        Assert.Equal(new[] { 12, 13 }, LesionCrops.SlicesToClassify([0, 4, 10, 5], 10, 0.5));
        Assert.Equal(new[] { 1, 2 }, LesionCrops.SlicesToClassify([3, 8, 8], 0, 1));   // a tie goes first to the lowest k
        Assert.Empty(LesionCrops.SlicesToClassify([0, 0], 0, 0.5));
    }

    [Fact]
    public void WithFlipsAppendsTheThreeFlippedCopiesOfEachItem()
    {
        var batch = Enumerable.Range(0, 2 * 1 * 2 * 2).Select(v => (float)v).ToArray();   // two items, one channel, 2 x 2
        Assert.Equal(new float[] { 0, 1, 2, 3, 2, 3, 0, 1, 1, 0, 3, 2, 3, 2, 1, 0, 4, 5, 6, 7, 6, 7, 4, 5, 5, 4, 7, 6, 7, 6, 5, 4 },
            LesionClassifier.WithFlips(batch, 1, 2));
        Assert.Throws<ArgumentException>(() => LesionClassifier.WithFlips(new float[7], 1, 2));
    }

    /// <summary>Adds a ramp along i so the lesion's surroundings are not symmetric.</summary>
    private static Volume Skew(Volume volume)
    {
        var values = volume.ToFloatArray();
        for (int n = 0; n < values.Length; n++) values[n] += 3 * (n % Grid.Size.I) + 5 * (n / Grid.Size.I % Grid.Size.J);
        return Volume.FromVoxels<float>(Grid, values);
    }

    /// <summary>The volume mirrored along j (k and i kept).</summary>
    private static Volume Mirror(Volume volume)
    {
        var size = volume.Size;
        var source = volume.Buffer;
        int bytes = volume.VoxelType == VoxelType.UInt8 ? 1 : 4;
        var result = new byte[source.Length];
        for (int k = 0; k < size.K; k++)
            for (int j = 0; j < size.J; j++)
                Array.Copy(source, size.Index(0, j, k) * bytes, result, size.Index(0, size.J - 1 - j, k) * bytes, size.I * bytes);
        return new Volume(volume.Geometry, volume.VoxelType, result);
    }
}
