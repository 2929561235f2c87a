namespace RenalGrpc.Engine.Model;

/// <summary>
/// Shape of a <see cref="SegmentationUNet"/>. Stage s has <see cref="Features"/>[s] channels and is
/// entered through a strided convolution with <see cref="Strides"/>[s] (z, y, x); stage 0's stride
/// is normally (1,1,1). Strides are per axis so that thick-slice CT can be pooled in-plane only
/// at the first level(s), as nnU-Net plans it for anisotropic spacing.
/// </summary>
public sealed record SegmentationUNetOptions
{
    public int InputChannels { get; init; } = 1;
    public int Classes { get; init; } = 4;
    public IReadOnlyList<int> Features { get; init; } = new[] { 16, 32, 64, 128 };
    public IReadOnlyList<int[]> Strides { get; init; } = new[]
    {
        new[] { 1, 1, 1 }, new[] { 1, 2, 2 }, new[] { 2, 2, 2 }, new[] { 2, 2, 2 },
    };

    /// <summary>nnU-Net's default: 0.01.</summary>
    public double LeakyReluSlope { get; init; } = 0.01;

    /// <summary>Input sizes (z, y, x) must be multiples of these: the product of all strides per axis.</summary>
    public int[] RequiredDivisor()
    {
        var divisor = new[] { 1, 1, 1 };
        foreach (var s in Strides) for (int a = 0; a < 3; a++) divisor[a] *= s[a];
        return divisor;
    }

    /// <summary>Throws <see cref="ArgumentException"/> naming the first inconsistent setting.</summary>
    public void Validate()
    {
        if (InputChannels < 1) throw new ArgumentException($"input channels must be at least 1, got {InputChannels}");
        if (Classes < 2) throw new ArgumentException($"a segmentation needs at least 2 classes, got {Classes}");
        if (Features.Count < 2) throw new ArgumentException($"a U-Net needs at least 2 stages, got {Features.Count}");
        if (Strides.Count != Features.Count)
            throw new ArgumentException($"{Strides.Count} strides given for {Features.Count} stages; give one (z,y,x) stride per stage");
        for (int s = 0; s < Features.Count; s++)
        {
            if (Features[s] < 1) throw new ArgumentException($"stage {s} has {Features[s]} features");
            if (Strides[s].Length != 3 || Strides[s].Any(v => v < 1))
                throw new ArgumentException($"stage {s} stride must be three positive integers (z,y,x)");
        }
    }
}
