using RenalGrpc.Engine.Model;
using RenalGrpc.Phantom;
using RenalGrpc.Training;
using RenalGrpc.Training.Classification;
using RenalGrpc.Training.Segmentation;

namespace RenalGrpc.Training.Tests;

/// <summary>A few coarse generated cases on disk (written once per test run) and settings small enough to train in seconds.</summary>
public sealed class TinyDataset : IDisposable
{
    public TinyDataset()
    {
        Folder = Path.Combine(Path.GetTempPath(), "renal-training-tests-" + Guid.NewGuid().ToString("N"));
        DatasetWriter.Write(Folder, new PhantomOptions
        {
            Cases = 6,
            Seed = 31,
            Size = ScanSize.Parse("64x64x24"),
            Balance = ClassBalanceMode.Uniform,
        }, _ => { }, CancellationToken.None);
    }

    public string Folder { get; }

    public static SegmentationUNetOptions TinyNetwork { get; } = new()
    {
        Features = new[] { 4, 8 },
        Strides = new[] { new[] { 1, 1, 1 }, new[] { 1, 2, 2 } },
    };

    public static SegmentationTrainingOptions TinySegmentation { get; } = new()
    {
        Steps = 40,
        BatchSize = 2,
        PatchShape = new[] { 8, 32, 32 },
        LearningRate = 1e-2,
        SaveEvery = 10,
        LogEvery = 10,
    };

    public TrainingRequest Request(string output, TrainingStages stages) => new()
    {
        DataFolder = Folder,
        OutputFolder = output,
        Stages = stages,
        ValidationFraction = 0.34,
        Seed = 5,
        Threads = 2,
        SegmentationNetwork = TinyNetwork,
        Segmentation = TinySegmentation,
        Classification = new ClassifierTrainingOptions { Epochs = 3, BatchSize = 4 },
    };

    public void Dispose()
    {
        try { Directory.Delete(Folder, recursive: true); } catch (IOException) { }
    }
}

// Not in parallel with other classes: Same_seed_gives_the_same_losses seeds libtorch's global generator and
// then builds a network, and a class drawing from that generator on another thread in between would
// give the second run other weights (AdamOptimizerTests flaked that way in CI).
[CollectionDefinition(nameof(TinyDatasetCollection), DisableParallelization = true)]
public sealed class TinyDatasetCollection : ICollectionFixture<TinyDataset>;
