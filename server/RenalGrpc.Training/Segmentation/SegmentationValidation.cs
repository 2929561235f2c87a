using RenalGrpc.Engine.Checkpoints;
using RenalGrpc.Engine.Inference;
using RenalGrpc.Engine.Model;
using RenalGrpc.Imaging;
using RenalGrpc.Training.Data;
using static TorchSharp.torch;

namespace RenalGrpc.Training.Segmentation;

/// <summary>Sliding-window Dice on held-out phases in the model grid: kidney+masses (label > 0) and tumor (label 2).</summary>
public static class SegmentationValidation
{
    public static IReadOnlyDictionary<string, double> Measure(SegmentationUNet model, IReadOnlyList<ModelGridPhase> phases, CheckpointMetadata metadata)
    {
        var predictor = new SlidingWindowPredictor(model, new SlidingWindowOptions { TileShape = metadata.TileShape.ToArray(), PadValue = metadata.Normalization.Lowest });
        var kidney = new List<double>();
        var tumor = new List<double>();
        var byPhase = new Dictionary<string, List<double>>();
        foreach (var phase in phases)
        {
            byte[] predicted;
            using (NewDisposeScope())
            {
                var image = tensor(phase.Image, new long[] { 1, phase.Shape[0], phase.Shape[1], phase.Shape[2] });
                predicted = predictor.Predict(image).argmax(0).to_type(ScalarType.Byte).data<byte>().ToArray();
            }
            kidney.Add(Dice(predicted, phase.Labels, l => l > 0));
            if (phase.Labels.Any(l => l == KidneyLabels.Tumor))
            {
                double d = Dice(predicted, phase.Labels, l => l == KidneyLabels.Tumor);
                tumor.Add(d);
                if (!byPhase.TryGetValue(phase.Phase, out var list)) byPhase[phase.Phase] = list = new List<double>();
                list.Add(d);
            }
        }
        var metrics = new Dictionary<string, double>
        {
            ["val_dice_kidney_masses"] = kidney.DefaultIfEmpty(double.NaN).Average(),
            ["val_dice_tumor"] = tumor.DefaultIfEmpty(double.NaN).Average(),
        };
        foreach (var (phase, list) in byPhase) metrics[$"val_dice_tumor_{phase}"] = list.Average();
        return metrics;
    }

    /// <summary>Dice of the voxels where <paramref name="inClass"/> holds; 1 when both are empty.</summary>
    public static double Dice(ReadOnlySpan<byte> predicted, ReadOnlySpan<byte> truth, Func<byte, bool> inClass)
    {
        long both = 0, p = 0, t = 0;
        for (int n = 0; n < truth.Length; n++)
        {
            bool a = inClass(predicted[n]), b = inClass(truth[n]);
            if (a) p++;
            if (b) t++;
            if (a && b) both++;
        }
        return p + t == 0 ? 1 : 2.0 * both / (p + t);
    }
}
