using RenalGrpc.Engine.Model;
using TorchSharp;
using static TorchSharp.torch;

namespace RenalGrpc.Engine.Inference;

/// <summary>Number format of the stage-1 network's forward passes (weights are always stored as float32).</summary>
public enum InferencePrecision
{
    Float32,

    /// <summary>
    /// bfloat16 weights and activations, probabilities blended in float32. On CPUs with AVX-512
    /// bfloat16 support a forward costs about half (PLATFORM.md: 740 -> 320 ms for 96^3); on
    /// AVX2-only CPUs libtorch has no fast bfloat16 kernels and a forward takes about 30 times
    /// as long as float32. See docs/BENCHMARKS.md for the label agreement with float32.
    /// </summary>
    BFloat16,

    /// <summary>bfloat16 where this CPU runs the network faster that way on a tile, else float32 (<see cref="PrecisionProbe"/>).</summary>
    Auto,
}

/// <summary>Makes the copy of a segmentation network that runs at a given precision.</summary>
public static class PrecisionCopy
{
    public static ScalarType ScalarTypeOf(InferencePrecision precision) => precision switch
    {
        InferencePrecision.Float32 => ScalarType.Float32,
        InferencePrecision.BFloat16 => ScalarType.BFloat16,
        // Auto is a choice about one network on one tile shape (PrecisionProbe.Resolve(Auto, network, tile));
        // answering it here from the convolution probe alone could pick the slower format.
        InferencePrecision.Auto => throw new ArgumentException("resolve Auto for the network first (PrecisionProbe.Resolve)", nameof(precision)),
        _ => throw new ArgumentOutOfRangeException(nameof(precision), precision, "unknown precision"),
    };

    /// <summary>
    /// A new network with the same architecture and weights, converted to the precision and in
    /// eval mode; the caller disposes it. The source is left as it is (training and the float32
    /// path keep using it).
    /// </summary>
    public static SegmentationUNet Of(SegmentationUNet source, InferencePrecision precision)
    {
        ArgumentNullException.ThrowIfNull(source);
        var copy = new SegmentationUNet(source.Options);
        try
        {
            using (no_grad())
            {
                copy.load_state_dict(source.state_dict());
            }
            copy.to(ScalarTypeOf(precision));
            copy.eval();
            return copy;
        }
        catch
        {
            copy.Dispose();
            throw;
        }
    }
}
