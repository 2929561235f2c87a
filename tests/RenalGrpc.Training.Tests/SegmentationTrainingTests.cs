using RenalGrpc.Engine.Checkpoints;
using RenalGrpc.Engine.Model;
using RenalGrpc.Engine.Preprocessing;
using RenalGrpc.Imaging;
using RenalGrpc.Training.Data;
using RenalGrpc.Training.Segmentation;
using static TorchSharp.torch;

namespace RenalGrpc.Training.Tests;

[Collection(nameof(TinyDatasetCollection))]
public sealed class SegmentationTrainingTests(TinyDataset data)
{
    private static List<ModelGridPhase> Phases(string folder) =>
        TrainingDataset.Discover(folder).Take(3)
            .SelectMany(c => c.Phases.Select(p => ModelGridPhase.Load(c.Id, p, new Vec3(2.5, 2.5, 5), IntensityNormalization.Paper)))
            .ToList();

    private static IReadOnlyList<double> Train(IReadOnlyList<ModelGridPhase> phases, string? state, int seed, CancellationToken token = default,
        Action<Segmentation.TrainingProgress>? progress = null)
    {
        manual_seed(seed);
        using var model = new SegmentationUNet(TinyDataset.TinyNetwork);
        return new SegmentationTrainer(model, TinyDataset.TinySegmentation with { Seed = seed }, IntensityNormalization.Paper.Lowest)
            .Run(phases, state, progress, token);
    }

    [Fact]
    public void Loss_falls_over_a_few_dozen_steps()
    {
        var losses = Train(Phases(data.Folder), null, seed: 3);
        Assert.Equal(40, losses.Count);
        double first = losses.Take(8).Average(), last = losses.TakeLast(8).Average();
        Assert.True(last < 0.9 * first, $"loss went from {first:F3} to {last:F3}");
    }

    [Fact]
    public void Same_seed_gives_the_same_losses_and_an_interrupted_run_resumes_exactly()
    {
        var phases = Phases(data.Folder);
        var straight = Train(phases, null, seed: 9);
        var again = Train(phases, null, seed: 9);
        Assert.Equal(straight.Take(10), again.Take(10));

        var state = Path.Combine(Path.GetTempPath(), "renal-resume-" + Guid.NewGuid().ToString("N"));
        using var stop = new CancellationTokenSource();
        Assert.ThrowsAny<OperationCanceledException>(() =>
            Train(phases, state, seed: 9, stop.Token, p => { if (p.Step >= 20) stop.Cancel(); }));
        var resumed = Train(phases, state, seed: 9);
        Assert.Equal(40, resumed.Count);
        for (int n = 0; n < 40; n++) Assert.Equal(straight[n], resumed[n], 4);
        Directory.Delete(state, true);
    }

    [Fact]
    public void Patches_centred_on_lesions_contain_lesion_voxels_and_stay_in_shape()
    {
        var phases = Phases(data.Folder).Where(p => p.Labels.Any(l => l == KidneyLabels.Tumor)).ToList();
        var sampler = new PatchSampler(phases, new[] { 8, 32, 32 }, -2f, lesionCentredFraction: 1, kidneyCentredFraction: 0);
        var random = new Random(1);
        int withLesion = 0;
        for (int n = 0; n < 20; n++)
        {
            var patch = sampler.Sample(random);
            Assert.Equal(8 * 32 * 32, patch.Image.Length);
            if (patch.Labels.Any(l => l >= KidneyLabels.Tumor)) withLesion++;
        }
        Assert.True(withLesion >= 18, $"{withLesion}/20 lesion-centred patches held a lesion voxel");
    }
}
