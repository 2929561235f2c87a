using RenalGrpc.Engine.Checkpoints;
using RenalGrpc.Engine.Classification;
using RenalGrpc.Engine.Model;
using RenalGrpc.Engine.Preprocessing;
using RenalGrpc.Engine.Tests.Model;
using static TorchSharp.torch;

namespace RenalGrpc.Engine.Tests.Checkpoints;

/// <summary>A checkpoint whose stage 2 is an ensemble of classifiers (classifier.bin, classifier-2.bin, ...).</summary>
public sealed class ClassifierMembersTests : IDisposable
{
    private static readonly SubtypeClassifierOptions TinyClassifier = ModelCheckpointTests.TinyClassifier;
    private readonly string folder = Path.Combine(Path.GetTempPath(), "renal-members-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(folder)) Directory.Delete(folder, recursive: true);
    }

    private static CheckpointMetadata Metadata() => ModelCheckpointTests.Metadata();

    [Fact]
    public void EveryMemberRoundTrips_IsListedWithItsHash_AndAFlippedByteInOneIsRefused()
    {
        using var scope = NewDisposeScope();
        manual_seed(11);
        using var segmentation = new SegmentationUNet(ModelArchitectureTests.TinyUNet);
        var members = Enumerable.Range(0, 3).Select(_ => new SubtypeClassifier(TinyClassifier)).ToArray();
        foreach (var member in members) member.eval();
        var saved = ModelCheckpoint.Save(folder, Metadata(), segmentation, members[0], additionalClassifiers: members[1..]);
        Assert.Equal(3, saved.ClassifierMembers);
        // Format 2, so a build that knows one classifier refuses it instead of running the first member alone.
        Assert.Equal(CheckpointMetadata.CurrentFormatVersion, saved.FormatVersion);
        Assert.Equal(new[] { "segmentation", "classifier", "classifier-2", "classifier-3" }, saved.Weights.Select(w => w.Stage));
        Assert.Equal("classifier-3.bin", saved.Weights[3].File);

        var crop = randn(new long[] { 2, 4, 16, 16 });
        using var noGrad = no_grad();
        using (var loaded = ModelCheckpoint.Load(folder))
        {
            Assert.Equal(3, loaded.Classifiers.Count);
            for (int n = 0; n < 3; n++)
                Assert.True(loaded.Classifiers[n].forward(crop).allclose(members[n].forward(crop), rtol: 0, atol: 0), $"member {n + 1}");
            // Members trained apart really differ, so the test above tells them apart.
            Assert.False(loaded.Classifiers[1].forward(crop).allclose(loaded.Classifiers[2].forward(crop)));
        }

        var path = Path.Combine(folder, "classifier-2.bin");
        var bytes = File.ReadAllBytes(path);
        bytes[bytes.Length / 2] ^= 0x40;
        File.WriteAllBytes(path, bytes);
        var error = Assert.Throws<ModelCheckpointException>(() => ModelCheckpoint.Load(folder));
        Assert.Equal(path, error.Path);
        Assert.Contains("SHA-256", error.Problem);

        File.Delete(path);
        Assert.Contains("missing", Assert.Throws<ModelCheckpointException>(() => ModelCheckpoint.Load(folder)).Problem);
        foreach (var member in members) member.Dispose();
    }

    [Fact]
    public void SavingFewerMembersRemovesTheOthersFiles_AndAMemberOfAnotherShapeIsRefused()
    {
        using var scope = NewDisposeScope();
        using var segmentation = new SegmentationUNet(ModelArchitectureTests.TinyUNet);
        using var first = new SubtypeClassifier(TinyClassifier);
        using var second = new SubtypeClassifier(TinyClassifier);
        using var third = new SubtypeClassifier(TinyClassifier);
        ModelCheckpoint.Save(folder, Metadata(), segmentation, first, additionalClassifiers: new[] { second, third });
        Assert.True(File.Exists(Path.Combine(folder, "classifier-3.bin")));

        var single = ModelCheckpoint.Save(folder, Metadata(), segmentation, first);
        Assert.Equal(1, single.ClassifierMembers);
        Assert.False(File.Exists(Path.Combine(folder, "classifier-2.bin")));
        Assert.False(File.Exists(Path.Combine(folder, "classifier-3.bin")));
        using (var loaded = ModelCheckpoint.Load(folder)) Assert.Single(loaded.Classifiers);

        using var wider = new SubtypeClassifier(TinyClassifier with { Widths = new[] { 4, 16 } });
        var error = Assert.Throws<ModelCheckpointException>(() => ModelCheckpoint.Save(folder, Metadata(), segmentation, first, additionalClassifiers: new[] { wider }));
        Assert.Contains("shape", error.Problem);
    }

    [Fact]
    public void MetadataClaimingMoreMembersThanFilesOrTooManyIsRefused()
    {
        using var scope = NewDisposeScope();
        using var segmentation = new SegmentationUNet(ModelArchitectureTests.TinyUNet);
        using var first = new SubtypeClassifier(TinyClassifier);
        ModelCheckpoint.Save(folder, Metadata(), segmentation, first);
        var metadataPath = Path.Combine(folder, ModelCheckpoint.MetadataFile);
        var original = File.ReadAllText(metadataPath);

        // One classifier is written as format 1, which builds from before ensembles read too.
        Assert.Contains("\"formatVersion\": 1,", original);
        File.WriteAllText(metadataPath, original.Replace("\"classifierMembers\": 1", "\"classifierMembers\": 2"));
        Assert.Contains("format version 1 holds one classifier", Assert.Throws<ModelCheckpointException>(() => ModelCheckpoint.ReadMetadata(folder)).Problem);
        File.WriteAllText(metadataPath, original.Replace("\"classifierMembers\": 1", "\"classifierMembers\": 2").Replace("\"formatVersion\": 1,", "\"formatVersion\": 2,"));
        Assert.Contains("classifier-2", Assert.Throws<ModelCheckpointException>(() => ModelCheckpoint.Load(folder)).Problem);

        File.WriteAllText(metadataPath, original.Replace("\"classifierMembers\": 1", "\"classifierMembers\": 9").Replace("\"formatVersion\": 1,", "\"formatVersion\": 2,"));
        Assert.Contains("9 classifier members", Assert.Throws<ModelCheckpointException>(() => ModelCheckpoint.ReadMetadata(folder)).Problem);

        // A checkpoint written before ensembles existed has no such field and is one classifier.
        File.WriteAllText(metadataPath, original.Replace("\"classifierMembers\": 1,", ""));
        Assert.Equal(1, ModelCheckpoint.ReadMetadata(folder).ClassifierMembers);
    }

    [Fact]
    public void AnEnsemblesProbabilitiesAreTheMeanOfItsMembers()
    {
        using var scope = NewDisposeScope();
        manual_seed(5);
        var networks = Enumerable.Range(0, 3).Select(_ => new SubtypeClassifier(TinyClassifier)).ToArray();
        var crop = new CropOptions { Size = 16 };
        var random = new Random(3);
        var batch = Enumerable.Range(0, 3 * 4 * 16 * 16).Select(_ => (float)random.NextDouble()).ToArray();

        var singles = networks.Select(n => new LesionClassifier(n, crop, IntensityNormalization.Paper).Predict(batch, 3)).ToArray();
        var ensemble = new LesionClassifier(networks, crop, IntensityNormalization.Paper);
        Assert.Equal(3, ensemble.Members);
        var together = ensemble.Predict(batch, 3);
        for (int c = 0; c < 5; c++) Assert.Equal(singles.Average(s => s[c]), together[c], 1e-6);
        Assert.Equal(1.0, together.Sum(), 1e-6);
        Assert.NotEqual(singles[0][0], singles[1][0], 6);
        Assert.Throws<ArgumentException>(() => new LesionClassifier(Array.Empty<SubtypeClassifier>(), crop, IntensityNormalization.Paper));
        foreach (var n in networks) n.Dispose();
    }
}
