using RenalGrpc.Engine.Checkpoints;
using RenalGrpc.Engine.Classification;
using static TorchSharp.torch;

namespace RenalGrpc.Training.Tests;

/// <summary>`renal ensemble`'s engine: classifiers trained with other seeds join a checkpoint and vote.</summary>
[Collection(nameof(TinyDatasetCollection))]
public sealed class ClassifierEnsembleTests(TinyDataset data) : IDisposable
{
    private readonly string root = Path.Combine(Path.GetTempPath(), "renal-ensemble-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(root)) Directory.Delete(root, recursive: true);
    }

    private string Train(string name, int seed, TrainingStages stages = TrainingStages.Both)
    {
        var output = Path.Combine(root, name);
        TrainingRun.Execute(data.Request(output, stages) with { Seed = seed }, _ => { }, CancellationToken.None);
        Directory.Delete(Path.Combine(output, "train-state"), true);
        return output;
    }

    [Fact]
    public void MembersVoteWithTheBase_StageOneIsKept_AndRetrainingTheClassifierEndsTheEnsemble()
    {
        var first = Train("first", 5, TrainingStages.Classification); // stage 1 stays its seeded initialisation: its hash is what is checked
        // The member: the same stage 1, a classifier trained with another seed (another split and draws).
        var second = Path.Combine(root, "second");
        Directory.CreateDirectory(second);
        foreach (var file in Directory.GetFiles(first)) File.Copy(file, Path.Combine(second, Path.GetFileName(file)));
        TrainingRun.Execute(data.Request(second, TrainingStages.Classification) with { Seed = 6 }, _ => { }, CancellationToken.None);
        var ensemble = Path.Combine(root, "ensemble");
        var log = new List<string>();

        var metadata = ClassifierEnsemble.Assemble(new ClassifierEnsembleRequest { BaseFolder = first, MemberFolders = [second], OutputFolder = ensemble, ModelVersion = "9.9.9" }, log.Add);

        Assert.Equal(2, metadata.ClassifierMembers);
        Assert.Equal("9.9.9", metadata.Version);
        Assert.Contains("ensemble of 2 classifiers", metadata.ClassifierTraining!.Notes);
        Assert.Contains("seeds 5, 6", metadata.ClassifierTraining.Notes);
        Assert.Contains(log, l => l.Contains("2 classifiers", StringComparison.Ordinal));
        string Hash(string folder, string file) => ModelCheckpoint.Sha256Of(Path.Combine(folder, file));
        Assert.Equal(Hash(first, ModelCheckpoint.SegmentationFile), Hash(ensemble, ModelCheckpoint.SegmentationFile));
        Assert.Equal(Hash(first, ModelCheckpoint.ClassifierFile), Hash(ensemble, ModelCheckpoint.ClassifierFile));
        Assert.Equal(Hash(second, ModelCheckpoint.ClassifierFile), Hash(ensemble, "classifier-2.bin"));
        Assert.NotEqual(Hash(first, ModelCheckpoint.ClassifierFile), Hash(second, ModelCheckpoint.ClassifierFile));

        using (var scope = NewDisposeScope())
        using (var a = ModelCheckpoint.Load(first))
        using (var b = ModelCheckpoint.Load(second))
        using (var both = ModelCheckpoint.Load(ensemble))
        {
            var crop = both.Metadata.ClassifierCrop;
            var random = new Random(8);
            var batch = Enumerable.Range(0, 3 * 4 * crop.Size * crop.Size).Select(_ => (float)random.NextDouble()).ToArray();
            var pa = new LesionClassifier(a.Classifier, crop, a.Metadata.Normalization).Predict(batch, 3);
            var pb = new LesionClassifier(b.Classifier, crop, b.Metadata.Normalization).Predict(batch, 3);
            var together = new LesionClassifier(both.Classifiers, crop, both.Metadata.Normalization).Predict(batch, 3);
            for (int c = 0; c < 5; c++) Assert.Equal((pa[c] + pb[c]) / 2, together[c], 1e-6);
        }

        // Training stage 1 again keeps both voters; a new classifier replaces the ensemble (its members were not trained with it).
        TrainingRun.Execute(data.Request(ensemble, TrainingStages.Segmentation), _ => { }, CancellationToken.None);
        Assert.Equal(2, ModelCheckpoint.ReadMetadata(ensemble).ClassifierMembers);
        Assert.Equal(Hash(second, ModelCheckpoint.ClassifierFile), Hash(ensemble, "classifier-2.bin"));
        TrainingRun.Execute(data.Request(ensemble, TrainingStages.Classification) with { Seed = 7 }, _ => { }, CancellationToken.None);
        Assert.Equal(1, ModelCheckpoint.ReadMetadata(ensemble).ClassifierMembers);
        Assert.False(File.Exists(Path.Combine(ensemble, "classifier-2.bin")));
    }

    [Fact]
    public void AMemberThatCutsItsCropsDifferentlyIsRefused()
    {
        var first = Train("base", 5, TrainingStages.Classification);
        var other = Path.Combine(root, "other");
        Directory.CreateDirectory(other);
        foreach (var file in Directory.GetFiles(first)) File.Copy(file, Path.Combine(other, Path.GetFileName(file)));
        var path = Path.Combine(other, ModelCheckpoint.MetadataFile);
        var metadata = System.Text.Json.JsonSerializer.Deserialize<CheckpointMetadata>(File.ReadAllText(path), ModelCheckpoint.Json)!;
        File.WriteAllText(path, System.Text.Json.JsonSerializer.Serialize(metadata with { ClassifierCrop = metadata.ClassifierCrop with { MarginMm = 12 } }, ModelCheckpoint.Json));

        var error = Assert.Throws<ArgumentException>(() => ClassifierEnsemble.Assemble(
            new ClassifierEnsembleRequest { BaseFolder = first, MemberFolders = [other], OutputFolder = Path.Combine(root, "out") }, _ => { }));
        Assert.Contains("crops are cut differently", error.Message);
        Assert.False(Directory.Exists(Path.Combine(root, "out")));
        Assert.Throws<ArgumentException>(() => ClassifierEnsemble.Assemble(
            new ClassifierEnsembleRequest { BaseFolder = first, MemberFolders = [], OutputFolder = Path.Combine(root, "out") }, _ => { }));
        Assert.Throws<ModelCheckpointException>(() => ClassifierEnsemble.Assemble(
            new ClassifierEnsembleRequest { BaseFolder = first, MemberFolders = [Path.Combine(root, "missing")], OutputFolder = Path.Combine(root, "out") }, _ => { }));
    }
}
