using System.Diagnostics;
using System.Text.Json;
using RenalGrpc.Engine.Model;
using RenalGrpc.Training.Data;
using RenalGrpc.Training.Optimization;
using TorchSharp;
using static TorchSharp.torch;

namespace RenalGrpc.Training.Segmentation;

/// <summary>Where a run stands; written beside the weights and optimizer state so a run resumes exactly.</summary>
public sealed record SegmentationRunState(int Step, int Seed, int TotalSteps, List<double> Losses);

/// <summary>
/// Trains the stage-1 network on patches of every phase (one shared network, one phase at a time, as
/// the paper does): Adam with poly learning-rate decay, CE + Dice, on-the-fly augmentation. Each
/// step's random draws come from Random(seed, step) so a resumed run continues exactly where it
/// stopped. State (weights, optimizer, step, loss history) is saved every SaveEvery steps.
/// </summary>
public sealed class SegmentationTrainer(SegmentationUNet model, SegmentationTrainingOptions options, float padValue)
{
    private const string WeightsFile = "segmentation.bin";
    private const string OptimizerFile = "segmentation-optimizer.bin";
    private const string StateFile = "segmentation-state.json";

    public IReadOnlyList<double> Run(IReadOnlyList<ModelGridPhase> phases, string? stateFolder,
        Action<TrainingProgress>? progress, CancellationToken cancellationToken)
    {
        options.Validate();
        var sampler = new PatchSampler(phases, options.PatchShape, padValue);
        using var optimizer = new AdamOptimizer(model.parameters(), options.LearningRate, options.WeightDecay, decoupledWeightDecay: false);
        var state = new SegmentationRunState(0, options.Seed, options.Steps, new List<double>());
        if (stateFolder is not null && File.Exists(Path.Combine(stateFolder, StateFile)))
        {
            state = ReadState(stateFolder);
            if (state.Seed != options.Seed)
                throw new TrainingStateException($"{stateFolder} holds a run with seed {state.Seed}; start a new output folder or pass --seed {state.Seed}");
            if (state.Step > options.Steps)
                throw new TrainingStateException($"{stateFolder} holds a run already at step {state.Step}, beyond the {options.Steps} steps asked for");
            // A different total shortens or extends the run: the learning-rate schedule follows the
            // new total from the saved step on (same total = an exact continuation).
            state = state with { TotalSteps = options.Steps };
            try
            {
                model.load(Path.Combine(stateFolder, WeightsFile));
                optimizer.Load(Path.Combine(stateFolder, OptimizerFile));
            }
            catch (Exception e) when (e is IOException or InvalidDataException or ArgumentException)
            {
                throw new TrainingStateException($"{stateFolder} cannot be resumed ({e.Message}); start a new output folder", e);
            }
        }

        model.train();
        var clock = Stopwatch.StartNew();
        int firstStep = state.Step;
        double recent = 0;
        int recentCount = 0;
        for (int step = state.Step; step < options.Steps; step++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            double lr = options.LearningRate * Math.Pow(1 - (double)step / options.Steps, 0.9);
            optimizer.LearningRate = lr;
            var random = new Random(StepSeed.For(options.Seed, step, 0x5e9));
            double loss;
            using (NewDisposeScope())
            {
                var (images, labels) = Batch(sampler, random);
                (images, labels) = SegmentationAugmentation.Apply(images, labels, options, random, padValue);
                optimizer.ZeroGrad();
                var (total, ce, dice) = SegmentationLoss.Compute(model.forward(images), labels);
                total.backward();
                optimizer.Step();
                loss = total.item<float>();
            }
            state.Losses.Add(loss);
            recent += loss;
            recentCount++;
            int done = step + 1;
            if (done % options.LogEvery == 0 || done == options.Steps)
            {
                double perStep = clock.Elapsed.TotalSeconds / (done - firstStep);
                progress?.Invoke(new TrainingProgress("seg", done, options.Steps, recent / recentCount, perStep,
                    TimeSpan.FromSeconds(perStep * (options.Steps - done)), $"lr {lr:0.0e+0}"));
                recent = 0;
                recentCount = 0;
            }
            if (stateFolder is not null && (done % options.SaveEvery == 0 || done == options.Steps))
                Save(stateFolder, optimizer, state with { Step = done });
        }
        model.eval();
        return state.Losses;
    }

    private static SegmentationRunState ReadState(string stateFolder)
    {
        try
        {
            return JsonSerializer.Deserialize<SegmentationRunState>(File.ReadAllText(Path.Combine(stateFolder, StateFile)))
                ?? throw new JsonException("empty");
        }
        catch (JsonException e)
        {
            throw new TrainingStateException($"{Path.Combine(stateFolder, StateFile)} is not a training state ({e.Message}); start a new output folder", e);
        }
    }

    private (Tensor Images, Tensor Labels) Batch(PatchSampler sampler, Random random)
    {
        var shape = options.PatchShape;
        long voxels = (long)shape[0] * shape[1] * shape[2];
        var images = new float[options.BatchSize * voxels];
        var labels = new long[options.BatchSize * voxels];
        for (int b = 0; b < options.BatchSize; b++)
        {
            var patch = sampler.Sample(random);
            Array.Copy(patch.Image, 0, images, b * voxels, voxels);
            for (long n = 0; n < voxels; n++) labels[b * voxels + n] = patch.Labels[n];
        }
        return (tensor(images, new long[] { options.BatchSize, 1, shape[0], shape[1], shape[2] }),
            tensor(labels, new long[] { options.BatchSize, shape[0], shape[1], shape[2] }));
    }

    private void Save(string folder, AdamOptimizer optimizer, SegmentationRunState state)
    {
        Directory.CreateDirectory(folder);
        // Write to temporary names, then move, so an interrupted save never leaves a torn state.
        model.save(Path.Combine(folder, WeightsFile + ".tmp"));
        optimizer.Save(Path.Combine(folder, OptimizerFile + ".tmp"));
        File.WriteAllText(Path.Combine(folder, StateFile + ".tmp"), JsonSerializer.Serialize(state));
        foreach (var file in new[] { WeightsFile, OptimizerFile, StateFile })
            File.Move(Path.Combine(folder, file + ".tmp"), Path.Combine(folder, file), overwrite: true);
    }
}
