using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text.Json;
using System.Text.Json.Nodes;
using RenalGrpc.Engine.Model;
using static TorchSharp.torch;

namespace RenalGrpc.Bench;

/// <summary>
/// Forward time of the checkpoint's stage-1 network in TorchSharp against the same network in
/// Debian's python3-torch (bench/engine_forward_python.py) on the same inputs and thread count.
/// The weights travel as raw float32 in state_dict order with a JSON index (TorchSharp's
/// module.save format is not PyTorch's), and Python checks its outputs against ours.
/// </summary>
internal static class EngineForwardComparison
{
    public const int Threads = 2;

    public sealed record Result(int[] Shape, double TorchSharpMs, double PythonMs, double MaxAbsDiff, double MaxAbsLogit, int Repeats);

    /// <summary>Input shapes: the model's tile and about 40x160x160, each rounded up to the network's divisor.</summary>
    public static int[][] Shapes(SegmentationUNet net, IReadOnlyList<int> tile)
    {
        var divisor = net.Options.RequiredDivisor();
        int[] RoundUp(int[] s) => s.Select((n, a) => (n + divisor[a] - 1) / divisor[a] * divisor[a]).ToArray();
        return [RoundUp(tile.ToArray()), RoundUp([40, 160, 160])];
    }

    public static async Task<(IReadOnlyList<Result> Results, string TorchVersion)> RunAsync(
        SegmentationUNet net, int[][] shapes, BenchmarkContext context, int? repeats, CancellationToken cancellationToken)
    {
        var folder = Path.Combine(context.ScratchDirectory, "engine-forward");
        Directory.CreateDirectory(folder);
        ExportWeights(net, folder);

        int previousThreads = get_num_threads();
        set_num_threads(Threads); // process-wide: restored below so the Analyze figures keep the default
        var ours = new List<(double Ms, int Repeats)>();
        try
        {
            for (int s = 0; s < shapes.Length; s++)
            {
                var shape = shapes[s];
                using var scope = NewDisposeScope();
                using var noGrad = no_grad();
                var input = randn(new long[] { 1, net.Options.InputChannels, shape[0], shape[1], shape[2] }, generator: new Generator(100 + (ulong)s));
                var output = net.forward(input); // also the warm-up
                WriteFloats(Path.Combine(folder, $"input_{s}.f32"), input);
                WriteFloats(Path.Combine(folder, $"output_{s}.f32"), output);
                int count = repeats ?? RepeatsFor(shape);
                ours.Add((MedianMs(count, () =>
                {
                    using var inner = NewDisposeScope();
                    net.forward(input);
                }), count));
            }
        }
        finally
        {
            set_num_threads(previousThreads);
        }

        var manifest = new JsonObject
        {
            ["threads"] = Threads,
            ["in_channels"] = net.Options.InputChannels,
            ["classes"] = net.Options.Classes,
            ["features"] = new JsonArray(net.Options.Features.Select(f => (JsonNode)f).ToArray()),
            ["strides"] = new JsonArray(net.Options.Strides.Select(s => (JsonNode)new JsonArray(s.Select(v => (JsonNode)v).ToArray())).ToArray()),
            ["slope"] = net.Options.LeakyReluSlope,
            ["inputs"] = new JsonArray(shapes.Select((shape, s) => (JsonNode)new JsonObject
            {
                ["shape"] = new JsonArray(new[] { 1, net.Options.InputChannels }.Concat(shape).Select(v => (JsonNode)v).ToArray()),
                ["input"] = $"input_{s}.f32",
                ["expected"] = $"output_{s}.f32",
                ["repeats"] = ours[s].Repeats,
            }).ToArray()),
        };
        File.WriteAllText(Path.Combine(folder, "manifest.json"), manifest.ToJsonString());

        var script = Path.Combine(context.RepositoryRoot, "bench", "engine_forward_python.py");
        using var reply = JsonDocument.Parse(await RunPythonAsync(script, folder, cancellationToken));
        var root = reply.RootElement;
        var results = new List<Result>();
        int n = 0;
        foreach (var item in root.GetProperty("inputs").EnumerateArray())
        {
            results.Add(new Result(shapes[n], ours[n].Ms, item.GetProperty("median_ms").GetDouble(),
                item.GetProperty("max_abs_diff").GetDouble(), item.GetProperty("max_abs_logit").GetDouble(), ours[n].Repeats));
            n++;
        }
        return (results, root.GetProperty("torch").GetString() ?? "?");
    }

    // A tile forward takes about a second on 2 cores, the large input several: few repeats, odd for a true median.
    private static int RepeatsFor(int[] shape) => (long)shape[0] * shape[1] * shape[2] > 400_000 ? 3 : 5;

    /// <summary>weights.f32 (every state_dict tensor, in order, float32 little-endian) and weights.json (names and shapes).</summary>
    private static void ExportWeights(SegmentationUNet net, string folder)
    {
        var index = new JsonArray();
        using var stream = File.Create(Path.Combine(folder, "weights.f32"));
        foreach (var (name, tensor) in net.state_dict())
        {
            var values = tensor.detach().cpu().to_type(ScalarType.Float32).contiguous().data<float>().ToArray();
            stream.Write(MemoryMarshal.AsBytes(values.AsSpan()));
            index.Add(new JsonObject { ["name"] = name, ["shape"] = new JsonArray(tensor.shape.Select(v => (JsonNode)v).ToArray()) });
        }
        File.WriteAllText(Path.Combine(folder, "weights.json"), index.ToJsonString());
    }

    private static void WriteFloats(string path, Tensor tensor) =>
        File.WriteAllBytes(path, MemoryMarshal.AsBytes(tensor.contiguous().data<float>().ToArray().AsSpan()).ToArray());

    private static double MedianMs(int repeats, Action action)
    {
        var times = new double[repeats];
        for (int n = 0; n < repeats; n++)
        {
            var watch = Stopwatch.StartNew();
            action();
            times[n] = watch.Elapsed.TotalMilliseconds;
        }
        Array.Sort(times);
        return times[repeats / 2];
    }

    private static async Task<string> RunPythonAsync(string script, string folder, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo(BenchmarkContext.ReferencePython) { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(script);
        start.ArgumentList.Add(folder);
        using var process = Process.Start(start) ?? throw new InvalidOperationException("could not start " + BenchmarkContext.ReferencePython);
        var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken);
        if (process.ExitCode != 0) throw new InvalidOperationException($"{script} failed: {await stderr}");
        return await stdout;
    }
}
