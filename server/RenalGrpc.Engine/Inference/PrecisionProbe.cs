using System.Collections.Concurrent;
using System.Diagnostics;
using RenalGrpc.Engine.Model;
using TorchSharp;
using static TorchSharp.torch;

namespace RenalGrpc.Engine.Inference;

/// <summary>What a probe measured: the time of one workload in each format, and the format chosen.</summary>
public sealed record PrecisionProbeResult(InferencePrecision Chosen, double Float32Milliseconds, double BFloat16Milliseconds,
    string Workload = PrecisionProbe.ConvolutionWorkload);

/// <summary>
/// Resolves <see cref="InferencePrecision.Auto"/> by timing, per process, what stage 1 runs. CPU
/// flags alone do not tell: libtorch's bfloat16 convolutions are fast with AVX-512 (BF16 or AMX)
/// and about 30 times slower than float32 on AVX2-only CPUs such as many AMD EPYC cloud machines,
/// where the server's old bfloat16 default turned a 60 s study into half an hour. One convolution
/// does not tell either: on an AVX-512 CPU without BF16 (session 18) it ran 1.7x faster in
/// bfloat16 while the network on a 32x128x128 tile ran 1.3x slower (the window 61 s against 35 s)
/// and on 16x64x64 1.6x faster. So the cheap convolution probe runs first and rules bfloat16 out
/// where it is plainly slow; where it looks faster, the network itself is timed on one tile of the
/// checkpoint's shape, the exact call the sliding window repeats.
/// </summary>
public static class PrecisionProbe
{
    public const string ConvolutionWorkload = "one 16->16 channel 3x3x3 convolution on 16x48x48";

    /// <summary>bfloat16 must beat float32 by this factor to be chosen: a tie is not worth the rounding.</summary>
    public const double RequiredSpeedUp = 1.25;

    private static readonly Lazy<PrecisionProbeResult> Measured = new(Measure, LazyThreadSafetyMode.ExecutionAndPublication);
    private static readonly ConcurrentDictionary<string, Lazy<PrecisionProbeResult>> NetworkMeasured = new();
    private static PrecisionProbeResult? lastNetworkResult;

    /// <summary>The convolution probe's result (measured on first use, then cached for the process).</summary>
    public static PrecisionProbeResult Result => Measured.Value;

    /// <summary>
    /// The probe that decided last in this process (the network's when it ran, else the
    /// convolution's), or null when none ran (it never runs just to be reported).
    /// </summary>
    public static PrecisionProbeResult? Measurement =>
        Volatile.Read(ref lastNetworkResult) ?? (Measured.IsValueCreated ? Measured.Value : null);

    /// <summary><paramref name="requested"/> itself unless it is <see cref="InferencePrecision.Auto"/>; then the convolution probe's choice.</summary>
    public static InferencePrecision Resolve(InferencePrecision requested) =>
        requested == InferencePrecision.Auto ? Result.Chosen : requested;

    /// <summary>
    /// <paramref name="requested"/> itself unless it is <see cref="InferencePrecision.Auto"/>; then
    /// float32 where the convolution probe rules bfloat16 out, else the choice of timing this
    /// network (float32, eval) on one tile, measured once per process for each network shape and tile.
    /// </summary>
    public static InferencePrecision Resolve(InferencePrecision requested, SegmentationUNet network, IReadOnlyList<int> tileShape)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(tileShape);
        if (requested != InferencePrecision.Auto) return requested;
        return NetworkResult(network, tileShape)?.Chosen ?? InferencePrecision.Float32;
    }

    /// <summary>
    /// The network's own probe on one tile (measured once per process for each network shape and
    /// tile), or null where the convolution probe already rules bfloat16 out and nothing was timed.
    /// </summary>
    public static PrecisionProbeResult? NetworkResult(SegmentationUNet network, IReadOnlyList<int> tileShape)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(tileShape);
        if (Result.Chosen == InferencePrecision.Float32) return null;
        var options = network.Options;
        string key = $"{options.InputChannels}|{options.Classes}|{string.Join(",", options.Features)}|" +
                     $"{string.Join(";", options.Strides.Select(s => string.Join(",", s)))}|{string.Join("x", tileShape)}";
        var result = NetworkMeasured.GetOrAdd(key, _ => new Lazy<PrecisionProbeResult>(() => MeasureNetwork(network, tileShape),
            LazyThreadSafetyMode.ExecutionAndPublication)).Value;
        Volatile.Write(ref lastNetworkResult, result);
        return result;
    }

    private static PrecisionProbeResult MeasureNetwork(SegmentationUNet network, IReadOnlyList<int> tileShape)
    {
        var shape = new long[] { 1, network.Options.InputChannels }.Concat(tileShape.Select(n => (long)n)).ToArray();
        double f32 = ForwardMilliseconds(network, ScalarType.Float32, shape);
        using var copy = PrecisionCopy.Of(network, InferencePrecision.BFloat16);
        double bf16 = ForwardMilliseconds(copy, ScalarType.BFloat16, shape);
        var chosen = bf16 * RequiredSpeedUp < f32 ? InferencePrecision.BFloat16 : InferencePrecision.Float32;
        return new PrecisionProbeResult(chosen, f32, bf16, $"the network on one {string.Join("x", tileShape)} tile");
    }

    /// <summary>
    /// One warm-up forward, then the faster of two (the sliding window repeats this call tile after
    /// tile). On the default model and this project's 2-core machines the whole network probe takes
    /// about 8 s, once per process, at model load; where the convolution already rules bfloat16 out
    /// it does not run.
    /// </summary>
    private static double ForwardMilliseconds(SegmentationUNet network, ScalarType type, long[] shape)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var input = randn(shape, generator: new Generator(7)).to(type);
        network.forward(input).Dispose();
        double best = double.MaxValue;
        var clock = new Stopwatch();
        for (int n = 0; n < 2; n++)
        {
            clock.Restart();
            network.forward(input).Dispose();
            best = Math.Min(best, clock.Elapsed.TotalMilliseconds);
        }
        return best;
    }

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
