using static TorchSharp.torch;

namespace RenalGrpc.Engine.Inference;

/// <summary>
/// nnU-Net's importance map for blending overlapping tiles: predictions near a tile's centre are
/// trusted more than those at its border, where the network saw little context.
/// </summary>
public static class GaussianWeights
{
    /// <summary>
    /// Separable Gaussian centred on the tile ((n-1)/2 per axis, so it is mirror-symmetric and
    /// mirror TTA sees the same weights), sigma = sigmaScale * tile size, scaled to a maximum of 1.
    /// Values that underflow to 0 are raised to the smallest non-zero value, so every voxel of a
    /// covered image gets a positive total weight.
    /// </summary>
    public static float[] CreateArray(int[] tileShape, double sigmaScale = 1.0 / 8)
    {
        ArgumentNullException.ThrowIfNull(tileShape);
        if (tileShape.Length == 0 || tileShape.Any(n => n < 1)) throw new ArgumentException("tile sizes must be positive");
        if (!(sigmaScale > 0)) throw new ArgumentException($"sigma scale {sigmaScale} must be positive");

        var profiles = tileShape.Select(n =>
        {
            double centre = (n - 1) / 2.0, sigma = sigmaScale * n;
            return Enumerable.Range(0, n).Select(i => Math.Exp(-(i - centre) * (i - centre) / (2 * sigma * sigma))).ToArray();
        }).ToArray();

        long total = tileShape.Aggregate(1L, (p, n) => p * n);
        var weights = new float[total];
        var index = new int[tileShape.Length];
        for (long flat = 0; flat < total; flat++)
        {
            long rest = flat;
            for (int a = tileShape.Length - 1; a >= 0; a--) { index[a] = (int)(rest % tileShape[a]); rest /= tileShape[a]; }
            double w = 1;
            for (int a = 0; a < tileShape.Length; a++) w *= profiles[a][index[a]];
            weights[flat] = (float)w;
        }

        float max = weights.Max();
        float minPositive = float.MaxValue;
        for (long n = 0; n < total; n++)
        {
            weights[n] /= max;
            if (weights[n] > 0 && weights[n] < minPositive) minPositive = weights[n];
        }
        for (long n = 0; n < total; n++) if (weights[n] <= 0) weights[n] = minPositive;
        return weights;
    }

    /// <summary>The same map as a float32 tensor of the tile's shape.</summary>
    public static Tensor Create(int[] tileShape, double sigmaScale = 1.0 / 8) =>
        tensor(CreateArray(tileShape, sigmaScale), tileShape.Select(n => (long)n).ToArray());
}
