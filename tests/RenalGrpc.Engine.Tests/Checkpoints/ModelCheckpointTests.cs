using RenalGrpc.Engine.Checkpoints;
using RenalGrpc.Engine.Model;
using RenalGrpc.Engine.Tests.Model;
using static TorchSharp.torch;

namespace RenalGrpc.Engine.Tests.Checkpoints;

public sealed class ModelCheckpointTests : IDisposable
{
    internal static readonly SubtypeClassifierOptions TinyClassifier = new() { Widths = new[] { 4, 8 }, BlocksPerStage = new[] { 1, 1 } };
    private readonly string folder = Path.Combine(Path.GetTempPath(), "renal-checkpoint-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(folder)) Directory.Delete(folder, recursive: true);
    }

    internal static CheckpointMetadata Metadata() => new()
    {
        Name = "tiny-test",
        Version = "0.0.1",
        Training = new TrainingDescription { DataDescription = "random initialisation, no data", Seed = 42 },
        ValidationMetrics = new Dictionary<string, double> { ["kidney_dice"] = 0.5 },
    };

    private CheckpointMetadata SaveTiny(out SegmentationUNet segmentation, out SubtypeClassifier classifier)
    {
        manual_seed(42);
        segmentation = new SegmentationUNet(ModelArchitectureTests.TinyUNet);
        classifier = new SubtypeClassifier(TinyClassifier);
        return ModelCheckpoint.Save(folder, Metadata(), segmentation, classifier);
    }

    [Fact]
    public void RoundTripGivesTheSameOutputsAndMetadata()
    {
        using var scope = NewDisposeScope();
        var saved = SaveTiny(out var segmentation, out var classifier);
        segmentation.eval();
        classifier.eval();
        var volume = randn(new long[] { 1, 1, 4, 8, 8 });
        var crop = randn(new long[] { 2, 4, 16, 16 });
        using var noGrad = no_grad();
        var expectedMasks = segmentation.forward(volume);
        var expectedSubtypes = classifier.forward(crop);

        using var loaded = ModelCheckpoint.Load(folder);
        Assert.True(loaded.Segmentation.forward(volume).allclose(expectedMasks, rtol: 0, atol: 0));
        Assert.True(loaded.Classifier.forward(crop).allclose(expectedSubtypes, rtol: 0, atol: 0));
        Assert.Equal("tiny-test", loaded.Metadata.Name);
        Assert.Equal(42, loaded.Metadata.Training.Seed);
        Assert.Equal(new[] { 4, 8, 16 }, loaded.Metadata.Segmentation.Features);
        Assert.Equal(112.75, loaded.Metadata.Normalization.Mean);
        Assert.Equal(new[] { "ccRCC", "pRCC", "chRCC", "oncocytoma", "AML" }, loaded.Metadata.Subtypes);
        Assert.Equal(saved.Weights, loaded.Metadata.Weights);
        Assert.Equal(ModelCheckpoint.Sha256Of(Path.Combine(folder, ModelCheckpoint.SegmentationFile)), loaded.Metadata.Weights[0].Sha256);
    }

    [Fact]
    public void FlippedByteInTheWeightsIsReportedAsAHashMismatch()
    {
        SaveTiny(out _, out _);
        var path = Path.Combine(folder, ModelCheckpoint.ClassifierFile);
        var bytes = File.ReadAllBytes(path);
        bytes[bytes.Length / 2] ^= 0x40;
        File.WriteAllBytes(path, bytes);
        var error = Assert.Throws<ModelCheckpointException>(() => ModelCheckpoint.Load(folder));
        Assert.Equal(path, error.Path);
        Assert.Contains("SHA-256", error.Problem);
    }

    [Fact]
    public void TruncatedWeightsWithAMatchingHashAreStillRefusedClearly()
    {
        // Someone "fixes" the hash after the file got truncated: the loader itself must still refuse it.
        SaveTiny(out _, out _);
        var path = Path.Combine(folder, ModelCheckpoint.SegmentationFile);
        var bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes[..(bytes.Length / 2)]);
        RewriteMetadata(m => m with { Weights = m.Weights.Select(w => w.Stage == "segmentation" ? w with { Sha256 = ModelCheckpoint.Sha256Of(path) } : w).ToArray() });
        var error = Assert.Throws<ModelCheckpointException>(() => ModelCheckpoint.Load(folder));
        Assert.Equal(path, error.Path);
        Assert.Contains("do not fit", error.Problem);
    }

    [Fact]
    public void MetadataDescribingAnotherArchitectureIsRefused()
    {
        SaveTiny(out _, out _);
        RewriteMetadata(m => m with { Segmentation = m.Segmentation with { Features = new[] { 4, 8, 32 } } });
        var error = Assert.Throws<ModelCheckpointException>(() => ModelCheckpoint.Load(folder));
        Assert.EndsWith(ModelCheckpoint.SegmentationFile, error.Path);
    }

    [Fact]
    public void MissingOrBrokenMetadataIsRefusedWithThePath()
    {
        SaveTiny(out _, out _);
        var metadataPath = Path.Combine(folder, ModelCheckpoint.MetadataFile);
        File.WriteAllText(metadataPath, "{ \"format\": ");
        var broken = Assert.Throws<ModelCheckpointException>(() => ModelCheckpoint.Load(folder));
        Assert.Equal(metadataPath, broken.Path);
        Assert.Contains("JSON", broken.Problem);

        File.Delete(metadataPath);
        var missing = Assert.Throws<ModelCheckpointException>(() => ModelCheckpoint.Load(folder));
        Assert.Contains("not a checkpoint folder", missing.Message);
    }

    [Fact]
    public void WrongFormatVersionIsRefused()
    {
        SaveTiny(out _, out _);
        RewriteMetadata(m => m with { FormatVersion = 99 });
        var error = Assert.Throws<ModelCheckpointException>(() => ModelCheckpoint.ReadMetadata(folder));
        Assert.Contains("format version 99", error.Problem);
    }

    [Fact]
    public void KidneyRoiNetworkRoundTrips_IsHashChecked_AndIsRemovedWhenACheckpointIsSavedWithoutIt()
    {
        using var scope = NewDisposeScope();
        manual_seed(7);
        using var segmentation = new SegmentationUNet(ModelArchitectureTests.TinyUNet);
        using var classifier = new SubtypeClassifier(TinyClassifier);
        using var roi = new SegmentationUNet(Analysis.KidneyRoiRefinementTests.Options.Network);
        roi.eval();
        var withRoi = Metadata() with { Refinement = Analysis.KidneyRoiRefinementTests.Options };
        ModelCheckpoint.Save(folder, withRoi, segmentation, classifier, roi);
        var input = randn(new long[] { 1, 4, 8, 16, 16 });
        using var noGrad = no_grad();

        using (var loaded = ModelCheckpoint.Load(folder))
        {
            Assert.NotNull(loaded.Refinement);
            Assert.True(loaded.Refinement.forward(input).allclose(roi.forward(input), rtol: 0, atol: 0));
            Assert.Equal(new[] { 8, 16, 16 }, loaded.Metadata.Refinement!.CropShape);
            Assert.Contains(loaded.Metadata.Weights, w => w.Stage == "refinement" && w.File == ModelCheckpoint.RefinementFile);
        }

        var path = Path.Combine(folder, ModelCheckpoint.RefinementFile);
        var bytes = File.ReadAllBytes(path);
        bytes[bytes.Length / 2] ^= 0x40;
        File.WriteAllBytes(path, bytes);
        Assert.Contains("SHA-256", Assert.Throws<ModelCheckpointException>(() => ModelCheckpoint.Load(folder)).Problem);

        Assert.Throws<ModelCheckpointException>(() => ModelCheckpoint.Save(folder, withRoi, segmentation, classifier));
        ModelCheckpoint.Save(folder, Metadata(), segmentation, classifier);
        Assert.False(File.Exists(path));
        using var without = ModelCheckpoint.Load(folder);
        Assert.Null(without.Refinement);
        Assert.Null(without.Metadata.Refinement);
    }

    [Fact]
    public void RoiMetadataWithMorePhasesThanChannelsIsRefused()
    {
        SaveTiny(out _, out _);
        RewriteMetadata(m => m with { Refinement = Analysis.KidneyRoiRefinementTests.Options with { Phases = new[] { "N", "A", "P" } } });
        var error = Assert.Throws<ModelCheckpointException>(() => ModelCheckpoint.ReadMetadata(folder));
        Assert.Contains("3 phases", error.Problem);
    }

    [Fact]
    public void TheCheckpointsTileStepIsWhatStageOneRunsWith_UnlessTheSettingsSayOtherwise()
    {
        SaveTiny(out _, out _);
        using (var byDefault = RenalGrpc.Engine.Analysis.StudyAnalyzer.Load(folder)) Assert.Equal(0.5, byDefault.TileStep);
        RewriteMetadata(m => m with { TileStep = 0.75 });
        using (var fromCheckpoint = RenalGrpc.Engine.Analysis.StudyAnalyzer.Load(folder)) Assert.Equal(0.75, fromCheckpoint.TileStep);
        using (var overridden = RenalGrpc.Engine.Analysis.StudyAnalyzer.Load(folder, new RenalGrpc.Engine.Analysis.StudyAnalyzerSettings { TileStepFraction = 0.6 }))
            Assert.Equal(0.6, overridden.TileStep);

        RewriteMetadata(m => m with { TileStep = 1.5 });
        var error = Assert.Throws<ModelCheckpointException>(() => ModelCheckpoint.ReadMetadata(folder));
        Assert.Contains("tile step 1.5", error.Problem);
    }

    [Fact]
    public void AntiAliasingIsOffUnlessTheCheckpointSaysSo_AndStageOneThenSmoothsAFinerScan()
    {
        SaveTiny(out _, out _);
        Assert.False(ModelCheckpoint.ReadMetadata(folder).AntiAliasing);
        // A scan at a third of the model spacing in-plane (2.5 x 2.5 x 5 mm by default): sd (3 - 1) / 2 = 1 voxel.
        var geometry = new RenalGrpc.Imaging.Geometry(new RenalGrpc.Imaging.GridSize(48, 48, 8), new RenalGrpc.Imaging.Vec3(2.5 / 3, 2.5 / 3, 5),
            RenalGrpc.Imaging.Vec3.Zero, RenalGrpc.Imaging.Matrix3.Identity);
        var scan = RenalGrpc.Imaging.Volume.FromVoxels<short>(geometry, Enumerable.Range(0, (int)geometry.VoxelCount).Select(n => (short)(n % 97 - 40)).ToArray());
        RenalGrpc.Imaging.Vec3 SigmaOf(string label)
        {
            using var model = ModelCheckpoint.Load(folder);
            using var segmenter = new RenalGrpc.Engine.Analysis.NetworkPhaseSegmenter(model);
            var result = segmenter.Segment("P", scan, mirrorTta: false, progress: null, CancellationToken.None);
            return result.Preprocessing!.SmoothingSigma;
        }
        Assert.Equal(default, SigmaOf("plain"));

        RewriteMetadata(m => m with { AntiAliasing = true, Refinement = Analysis.KidneyRoiRefinementTests.Options with { AntiAliasing = true } });
        Assert.Contains("\"antiAliasing\": true", File.ReadAllText(Path.Combine(folder, ModelCheckpoint.MetadataFile)));
        Assert.True(ModelCheckpoint.ReadMetadata(folder).Refinement!.AntiAliasing);
        RewriteMetadata(m => m with { Refinement = null });   // this tiny checkpoint has no refinement.bin to load
        var sigma = SigmaOf("smoothed");
        Assert.Equal(1.0, sigma.X, 9);
        Assert.Equal(1.0, sigma.Y, 9);
        Assert.Equal(0.0, sigma.Z, 9);
    }

    [Fact]
    public void SliceAverageShareIsReadFromTheCheckpoint_AndAnOutOfRangeOneIsRefused()
    {
        SaveTiny(out _, out _);
        Assert.Equal(0, ModelCheckpoint.ReadMetadata(folder).ClassifierCrop.SliceAverageShare);   // off unless a model says so
        RewriteMetadata(m => m with { ClassifierCrop = m.ClassifierCrop with { SliceAverageShare = 0.5 } });
        Assert.Contains("\"sliceAverageShare\": 0.5", File.ReadAllText(Path.Combine(folder, ModelCheckpoint.MetadataFile)));
        Assert.Equal(0.5, ModelCheckpoint.ReadMetadata(folder).ClassifierCrop.SliceAverageShare);

        RewriteMetadata(m => m with { ClassifierCrop = m.ClassifierCrop with { SliceAverageShare = 1.5 } });
        var error = Assert.Throws<ModelCheckpointException>(() => ModelCheckpoint.ReadMetadata(folder));
        Assert.Contains("slice average share 1.5", error.Problem);
    }

    [Fact]
    public void TheClassifiersFewestTrainedPhasesAreReadFromTheCheckpoint_AndAnImpossibleCountIsRefused()
    {
        SaveTiny(out _, out _);
        Assert.Null(ModelCheckpoint.ReadMetadata(folder).ClassifierMinPhases);   // not recorded: no warning is possible
        RewriteMetadata(m => m with { ClassifierMinPhases = 3 });
        Assert.Contains("\"classifierMinPhases\": 3", File.ReadAllText(Path.Combine(folder, ModelCheckpoint.MetadataFile)));
        Assert.Equal(3, ModelCheckpoint.ReadMetadata(folder).ClassifierMinPhases);

        RewriteMetadata(m => m with { ClassifierMinPhases = 5 });
        var error = Assert.Throws<ModelCheckpointException>(() => ModelCheckpoint.ReadMetadata(folder));
        Assert.Contains("classifierMinPhases is 5", error.Problem);
    }

    private void RewriteMetadata(Func<CheckpointMetadata, CheckpointMetadata> change)
    {
        var path = Path.Combine(folder, ModelCheckpoint.MetadataFile);
        var metadata = System.Text.Json.JsonSerializer.Deserialize<CheckpointMetadata>(File.ReadAllText(path), ModelCheckpoint.Json)!;
        File.WriteAllText(path, System.Text.Json.JsonSerializer.Serialize(change(metadata), ModelCheckpoint.Json));
    }
}
