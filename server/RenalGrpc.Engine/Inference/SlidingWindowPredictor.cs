using RenalGrpc.Engine.Model;
using TorchSharp;
using static TorchSharp.torch;

namespace RenalGrpc.Engine.Inference;

/// <summary>What the tiles' Gaussian-weighted sum is taken over.</summary>
public enum TileAccumulation
{
    /// <summary>Softmax per tile, then blend (nnU-Net v1).</summary>
    Probabilities,

    /// <summary>Blend logits, softmax once at the end (nnU-Net v2).</summary>
    Logits,
}

public sealed record SlidingWindowOptions
{
    /// <summary>Tile (z, y, x); must be a multiple of the network's down-sampling factors.</summary>
    public int[] TileShape { get; init; } = new[] { 32, 96, 96 };
    public double StepFraction { get; init; } = 0.5;
    public double SigmaScale { get; init; } = 1.0 / 8;

    /// <summary>Spatial axes (0 = z, 1 = y, 2 = x) to mirror for test-time augmentation; every subset is run.</summary>
    public IReadOnlyList<int> MirrorAxes { get; init; } = Array.Empty<int>();
    public TileAccumulation Accumulation { get; init; } = TileAccumulation.Probabilities;

    /// <summary>Value for voxels padded onto images smaller than a tile (0 as nnU-Net; PhasePreprocessor pads beforehand with the clip minimum).</summary>
    public double PadValue { get; init; }
}

/// <summary>
/// Runs a 3-D segmentation network over an image of any size in overlapping tiles and blends
/// the tiles with a Gaussian importance map. Synchronous on purpose: dispose scopes and no_grad
/// are bound to the OS thread, so callers run it on one worker thread and never await inside.
/// </summary>
public sealed class SlidingWindowPredictor
{
    private readonly nn.Module<Tensor, Tensor> model;
    private readonly ScalarType modelType;

    public SlidingWindowPredictor(nn.Module<Tensor, Tensor> model, SlidingWindowOptions options)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(options);
        if (options.TileShape.Length != 3 || options.TileShape.Any(n => n < 1))
            throw new ArgumentException("tile shape must be three positive sizes (z, y, x)");
        if (options.MirrorAxes.Any(a => a is < 0 or > 2) || options.MirrorAxes.Distinct().Count() != options.MirrorAxes.Count)
            throw new ArgumentException("mirror axes must be distinct values among 0 (z), 1 (y), 2 (x)");
        if (model is SegmentationUNet unet)
        {
            var divisor = unet.Options.RequiredDivisor();
            for (int a = 0; a < 3; a++)
            {
                if (options.TileShape[a] % divisor[a] != 0)
                    throw new ArgumentException($"tile [{string.Join(", ", options.TileShape)}] must be a multiple of the network's [{string.Join(", ", divisor)}]");
            }
        }
        this.model = model;
        // Tiles are cut from a float32 image; a network converted to bfloat16 (PrecisionCopy) gets
        // its input in its own type and its logits come back as float32 before softmax and blending.
        modelType = model.parameters().Select(p => p.dtype).FirstOrDefault(ScalarType.Float32);
        Options = options;
    }

    public SlidingWindowOptions Options { get; }

    /// <summary>
    /// Class probabilities (Classes x Z x Y x X, float32, summing to 1 per voxel) for an image of
    /// Channels x Z x Y x X. The caller owns (disposes) the result. Checks the token before every
    /// tile and reports the fraction of tiles done after each.
    /// </summary>
    public Tensor Predict(Tensor image, CancellationToken cancellationToken = default, Action<double>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(image);
        if (image.dim() != 4) throw new ArgumentException($"expected Channels x Z x Y x X, got [{string.Join(", ", image.shape)}]");
        var spatial = image.shape.Skip(1).Select(n => (int)n).ToArray();
        var plan = TilePlanner.Plan(spatial, Options.TileShape, Options.StepFraction);
        var tile = Options.TileShape;
        var mirrorSets = MirrorSubsets(Options.MirrorAxes);
        model.eval();

        using var outer = NewDisposeScope();
        using var noGrad = no_grad();
        var padded = plan.NeedsPadding
            ? nn.functional.pad(image, new long[]
            {
                plan.PadBefore[2], plan.PadAfter[2], plan.PadBefore[1], plan.PadAfter[1], plan.PadBefore[0], plan.PadAfter[0],
            }, PaddingModes.Constant, Options.PadValue)
            : image;
        var gaussian = GaussianWeights.Create(tile, Options.SigmaScale).to(image.device);
        var paddedShape = plan.PaddedShape.Select(n => (long)n).ToArray();
        var weightSum = zeros(paddedShape, dtype: ScalarType.Float32, device: image.device);
        Tensor? sum = null;

        // Held for the whole loop: an implicit alpha could be freed mid-add (HeldScalarTests).
        using var one = 1.ToScalar();
        int done = 0;
        foreach (var start in plan.TileStarts())
        {
            cancellationToken.ThrowIfCancellationRequested();
            using (var tileScope = NewDisposeScope())
            {
                var region = new[]
                {
                    TensorIndex.Slice(start[0], start[0] + tile[0]),
                    TensorIndex.Slice(start[1], start[1] + tile[1]),
                    TensorIndex.Slice(start[2], start[2] + tile[2]),
                };
                var input = padded[TensorIndex.Colon, region[0], region[1], region[2]].unsqueeze(0);
                var prediction = PredictTile(input, mirrorSets);
                if (sum is null)
                {
                    sum = zeros(new[] { prediction.shape[0] }.Concat(paddedShape).ToArray(), dtype: ScalarType.Float32, device: image.device)
                        .MoveToOuterDisposeScope();
                }
                sum[TensorIndex.Colon, region[0], region[1], region[2]].add_(prediction * gaussian, one);
                weightSum[region[0], region[1], region[2]].add_(gaussian, one);
            }
            done++;
            progress?.Invoke((double)done / plan.TileCount);
        }

        var blended = sum! / weightSum.unsqueeze(0);
        if (Options.Accumulation == TileAccumulation.Logits) blended = blended.softmax(0);
        var result = blended[TensorIndex.Colon,
            TensorIndex.Slice(plan.PadBefore[0], plan.PadBefore[0] + spatial[0]),
            TensorIndex.Slice(plan.PadBefore[1], plan.PadBefore[1] + spatial[1]),
            TensorIndex.Slice(plan.PadBefore[2], plan.PadBefore[2] + spatial[2])].contiguous();
        return result.MoveToOuterDisposeScope();
    }

    /// <summary>Classes x tile: the mean over mirror variants of softmax or logits.</summary>
    private Tensor PredictTile(Tensor input, IReadOnlyList<long[]> mirrorSets)
    {
        using var one = 1.ToScalar();
        using var count = mirrorSets.Count.ToScalar();
        Tensor? total = null;
        foreach (var dims in mirrorSets)
        {
            var x = dims.Length == 0 ? input : input.flip(dims);
            if (x.dtype != modelType) x = x.to(modelType);
            var logits = model.forward(x);
            if (logits.dtype != ScalarType.Float32) logits = logits.to(ScalarType.Float32);
            if (dims.Length > 0) logits = logits.flip(dims);
            var value = Options.Accumulation == TileAccumulation.Probabilities ? logits.softmax(1) : logits;
            total = total is null ? value : total.add(value, one);
        }
        return total!.div(count)[0];
    }

    /// <summary>Every subset of the mirror axes as tensor dims of an N x C x Z x Y x X batch; the empty set first.</summary>
    private static IReadOnlyList<long[]> MirrorSubsets(IReadOnlyList<int> axes)
    {
        var sets = new List<long[]>();
        for (int mask = 0; mask < 1 << axes.Count; mask++)
        {
            sets.Add(axes.Where((_, n) => (mask & (1 << n)) != 0).Select(a => (long)a + 2).ToArray());
        }
        return sets;
    }
}
