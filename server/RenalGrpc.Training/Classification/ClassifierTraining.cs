using System.Diagnostics;
using System.Text.Json;
using RenalGrpc.Engine.Checkpoints;
using RenalGrpc.Engine.Classification;
using RenalGrpc.Engine.Model;
using RenalGrpc.Imaging;
using RenalGrpc.Training.Data;
using RenalGrpc.Training.Optimization;
using RenalGrpc.Training.Metrics;
using static TorchSharp.torch;

namespace RenalGrpc.Training.Classification;

/// <summary>Where a classifier run stands (saved after every epoch so a run resumes).</summary>
public sealed record ClassifierRunState(int Epoch, int Seed, int TotalEpochs);

/// <summary>
/// Trains the stage-2 subtype network from scratch on ground-truth crops: each step draws, per case,
/// one of the paper's phase triplets of the phases present (after phase dropout, which removes one
/// phase so the network learns the stand-in rule used when phases are missing), with flips,
/// intensity jitter and noise. Validation averages the softmax over all triplets, as inference does.
/// </summary>
public static class ClassifierTraining
{
    private const string WeightsFile = "classifier.bin";
    private const string OptimizerFile = "classifier-optimizer.bin";
    private const string StateFile = "classifier-state.json";

    public static IReadOnlyDictionary<string, double> Run(SubtypeClassifier classifier, IReadOnlyList<TrainingCase> train,
        IReadOnlyList<TrainingCase> validation, CheckpointMetadata metadata, ClassifierTrainingOptions options,
        string? stateFolder, Action<string> log, CancellationToken cancellationToken)
    {
        options.Validate();
        var clock = Stopwatch.StartNew();
        var trainCrops = LesionCropSet.Build(train, metadata, options.CropSource);
        var validationCrops = LesionCropSet.Build(validation, metadata, options.CropSource);
        if (trainCrops.Count < 2) throw new ImagingException($"only {trainCrops.Count} training cases carry a subtype and a tumor; the classifier needs more");
        log($"[cls] {trainCrops.Count} training and {validationCrops.Count} validation lesions cut ({options.CropSource}) in {clock.Elapsed.TotalSeconds:F0} s");

        using var optimizer = new AdamOptimizer(classifier.parameters(), options.LearningRate, options.WeightDecay, decoupledWeightDecay: true);
        int startEpoch = 0;
        if (stateFolder is not null && File.Exists(Path.Combine(stateFolder, StateFile)))
        {
            ClassifierRunState state;
            try { state = JsonSerializer.Deserialize<ClassifierRunState>(File.ReadAllText(Path.Combine(stateFolder, StateFile))) ?? throw new JsonException("empty"); }
            catch (JsonException e) { throw new TrainingStateException($"{Path.Combine(stateFolder, StateFile)} is not a training state ({e.Message}); start a new output folder", e); }
            if (state.Seed == options.Seed && state.TotalEpochs == options.Epochs)
            {
                try
                {
                    classifier.load(Path.Combine(stateFolder, WeightsFile));
                    optimizer.Load(Path.Combine(stateFolder, OptimizerFile));
                }
                catch (Exception e) when (e is IOException or InvalidDataException or ArgumentException)
                {
                    throw new TrainingStateException($"{stateFolder} cannot be resumed ({e.Message}); start a new output folder", e);
                }
                startEpoch = state.Epoch;
            }
        }

        int size = metadata.ClassifierCrop.Size;
        var validator = new LesionClassifier(classifier, metadata.ClassifierCrop, metadata.Normalization);
        int stepsPerEpoch = Math.Max(1, trainCrops.Count / options.BatchSize);
        clock.Restart();
        for (int epoch = startEpoch; epoch < options.Epochs; epoch++)
        {
            classifier.train();
            double lr = options.LearningRate * 0.5 * (1 + Math.Cos(Math.PI * epoch / options.Epochs));
            optimizer.LearningRate = lr;
            var random = new Random(StepSeed.For(options.Seed, epoch, 0xc15));
            var order = Enumerable.Range(0, trainCrops.Count).ToArray();
            random.Shuffle(order);
            double lossSum = 0;
            for (int step = 0; step < stepsPerEpoch; step++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var batch = order.Skip(step * options.BatchSize).Take(options.BatchSize).Select(n => trainCrops[n]).ToArray();
                var inputs = batch.SelectMany(c =>
                {
                    var stack = TrainingStack(c, options, random);
                    // Drawn only when asked, so runs without jitter repeat earlier runs of the same seed exactly.
                    if (options.CropJitter > 0 && random.NextDouble() < options.CropJitter)
                    {
                        var box = c.Crops.Values.First().Box;
                        stack = CropJitter.Apply(stack, size, CropJitter.Draw(box.Width, box.Height, size, random));
                    }
                    return Augment(stack, size, random);
                }).ToArray();
                using var scope = NewDisposeScope();
                var x = tensor(inputs, new long[] { batch.Length, PhaseTriplets.InputChannels, size, size });
                var y = tensor(batch.Select(c => (long)c.Subtype).ToArray());
                optimizer.ZeroGrad();
                var loss = nn.functional.cross_entropy(classifier.forward(x), y);
                loss.backward();
                optimizer.Step();
                lossSum += loss.item<float>();
            }
            if ((epoch + 1) % 5 == 0 || epoch + 1 == options.Epochs)
            {
                double perEpoch = clock.Elapsed.TotalSeconds / (epoch + 1 - startEpoch);
                string detail = validationCrops.Count > 0 ? $"val macro AUC {Evaluate(validator, validationCrops).Macro:F3}" : "";
                log(new Segmentation.TrainingProgress("cls", epoch + 1, options.Epochs, lossSum / stepsPerEpoch, perEpoch,
                    TimeSpan.FromSeconds(perEpoch * (options.Epochs - epoch - 1)), detail).ToString().Replace("step", "epoch").Replace("s/epoch", "s/epoch"));
            }
            if (stateFolder is not null)
            {
                Directory.CreateDirectory(stateFolder);
                classifier.save(Path.Combine(stateFolder, WeightsFile));
                optimizer.Save(Path.Combine(stateFolder, OptimizerFile));
                File.WriteAllText(Path.Combine(stateFolder, StateFile), JsonSerializer.Serialize(new ClassifierRunState(epoch + 1, options.Seed, options.Epochs)));
            }
        }
        classifier.eval();
        var metrics = new Dictionary<string, double>();
        if (validationCrops.Count > 0)
        {
            var (perClass, macro) = Evaluate(validator, validationCrops);
            metrics["val_cls_macro_auc_true_masks"] = macro;
            for (int c = 0; c < perClass.Length; c++) metrics[$"val_cls_auc_{RenalSubtypes.Names[c]}"] = perClass[c];
        }
        return metrics;
    }

    /// <summary>One training input: a random triplet of the phases left after dropout.</summary>
    private static float[] TrainingStack(CaseCrops c, ClassifierTrainingOptions options, Random random)
    {
        var triplets = PhaseTriplets.For(PhasesAfterDropout(c.Crops.Keys, options, random));
        return PhaseTriplets.Stack(triplets[random.Next(triplets.Count)], c.Crops);
    }

    /// <summary>
    /// The phases a training sample keeps: all of them, or with probability <see cref="ClassifierTrainingOptions.PhaseDropout"/>
    /// fewer (one fewer, or a number drawn from <see cref="ClassifierTrainingOptions.MinPhasesAfterDropout"/> to one fewer).
    /// Without a minimum the random draws are those of every run before it existed, so old commands repeat exactly.
    /// </summary>
    public static List<string> PhasesAfterDropout(IEnumerable<string> phases, ClassifierTrainingOptions options, Random random)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(random);
        var available = phases.Order(StringComparer.Ordinal).ToList();
        if (available.Count > 1 && random.NextDouble() < options.PhaseDropout)
        {
            int keep = options.MinPhasesAfterDropout is { } least
                ? random.Next(Math.Min(least, available.Count - 1), available.Count)
                : available.Count - 1;
            while (available.Count > keep) available.RemoveAt(random.Next(available.Count));
        }
        return available;
    }

    /// <summary>
    /// The fewest phases a training sample was classified from (what inference can compare a study
    /// against): the fewest any training case has, less what dropout takes.
    /// </summary>
    public static int FewestPhasesTrained(IEnumerable<int> phasesPerCase, ClassifierTrainingOptions options)
    {
        int fewest = phasesPerCase.DefaultIfEmpty(0).Min();
        if (fewest <= 1 || options.PhaseDropout <= 0) return fewest;
        return options.MinPhasesAfterDropout is { } least ? Math.Min(least, fewest - 1) : fewest - 1;
    }

    /// <summary>Flips along rows/columns, per-channel intensity scale and shift, Gaussian noise; the mask channel is only flipped.</summary>
    private static float[] Augment(float[] stack, int size, Random random)
    {
        bool flipRows = random.NextDouble() < 0.5, flipColumns = random.NextDouble() < 0.5;
        int plane = size * size;
        var result = new float[stack.Length];
        for (int c = 0; c < PhaseTriplets.InputChannels; c++)
        {
            bool image = c < 3;
            float scale = image ? (float)(1 + (random.NextDouble() * 2 - 1) * 0.08) : 1;
            float shift = image ? (float)((random.NextDouble() * 2 - 1) * 0.08) : 0;
            float noise = image ? (float)(random.NextDouble() * 0.05) : 0;
            for (int r = 0; r < size; r++)
            {
                int sr = flipRows ? size - 1 - r : r;
                for (int col = 0; col < size; col++)
                {
                    int sc = flipColumns ? size - 1 - col : col;
                    float v = stack[c * plane + sr * size + sc] * scale + shift;
                    if (noise > 0) v += noise * (float)(random.NextDouble() + random.NextDouble() + random.NextDouble() - 1.5) * 2;
                    result[c * plane + r * size + col] = v;
                }
            }
        }
        return result;
    }

    /// <summary>One-vs-rest AUC of the cases' classifications, made as inference makes them (phase triplets, flips when set).</summary>
    public static (double[] PerClass, double Macro) Evaluate(LesionClassifier classifier, IReadOnlyList<CaseCrops> cases)
    {
        var probabilities = cases.Select(c => classifier.FromCrops(c.Crops)!.Probabilities.ToArray()).ToArray();
        return ClassificationMetrics.OneVsRest(probabilities, cases.Select(c => c.Subtype).ToArray(), RenalSubtypes.Names.Count);
    }
}
