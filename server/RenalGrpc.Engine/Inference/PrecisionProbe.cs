using System.Diagnostics;
using TorchSharp;
using static TorchSharp.torch;

namespace RenalGrpc.Engine.Inference;

/// <summary>What the probe measured: the median time of one 3-D convolution in each format.</summary>
public sealed record PrecisionProbeResult(InferencePrecision Chosen, double Float32Milliseconds, double BFloat16Milliseconds);

/// <summary>
/// Resolves <see cref="InferencePrecision.Auto"/> by timing the operation that dominates stage 1,
/// a 3 x 3 x 3 convolution, once per process in float32 and bfloat16. CPU flags alone do not tell:
/// libtorch's bfloat16 convolutions are fast with AVX-512 (BF16 or AMX) and about 30 times slower
/// than float32 on AVX2-only CPUs such as many AMD EPYC cloud machines, where the server's old
/// bfloat16 default turned a 60 s study into half an hour.
/// </summary>
public static class PrecisionProbe
{
    /// <summary>bfloat16 must beat float32 by this factor to be chosen: a tie is not worth the rounding.</summary>
    public const double RequiredSpeedUp = 1.25;

    private static readonly Lazy<PrecisionProbeResult> Measured = new(Measure, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>The probe's result (measured on first use, then cached for the process).</summary>
    public static PrecisionProbeResult Result => Measured.Value;

    /// <summary>The result when the probe has run in this process, else null (it never runs just to be reported).</summary>
    public static PrecisionProbeResult? Measurement => Measured.IsValueCreated ? Measured.Value : null;

    /// <summary><paramref name="requested"/> itself unless it is <see cref="InferencePrecision.Auto"/>.</summary>
    public static InferencePrecision Resolve(InferencePrecision requested) =>
        requested == InferencePrecision.Auto ? Result.Chosen : requested;

    private static PrecisionProbeResult Measure()
    {
        double f32 = MedianMilliseconds(ScalarType.Float32);
        double bf16 = MedianMilliseconds(ScalarType.BFloat16);
        var chosen = bf16 * RequiredSpeedUp < f32 ? InferencePrecision.BFloat16 : InferencePrecision.Float32;
        return new PrecisionProbeResult(chosen, f32, bf16);
    }

    /// <summary>A 16 -> 16 channel convolution on a 16 x 48 x 48 block (about 0.25 GMAC): one warm-up, median of three.</summary>
    private static double MedianMilliseconds(ScalarType type)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var generator = new Generator(7);
        var input = randn(new long[] { 1, 16, 16, 48, 48 }, generator: generator).to(type);
        using var tenth = 0.1.ToScalar();
        var weight = randn(new long[] { 16, 16, 3, 3, 3 }, generator: generator).mul(tenth).to(type);
        nn.functional.conv3d(input, weight, padding: new long[] { 1, 1, 1 }).Dispose();
        var times = new double[3];
        var clock = new Stopwatch();
        for (int n = 0; n < times.Length; n++)
        {
            clock.Restart();
            nn.functional.conv3d(input, weight, padding: new long[] { 1, 1, 1 }).Dispose();
            times[n] = clock.Elapsed.TotalMilliseconds;
        }
        Array.Sort(times);
        return times[1];
    }
}
