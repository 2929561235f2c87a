using System.Diagnostics;
using System.Text.Json;
using RenalGrpc.Imaging;
using RenalGrpc.Imaging.Components;
using RenalGrpc.Imaging.Resampling;

namespace RenalGrpc.Bench;

/// <summary>
/// Resampling a realistic abdominal CT (512x512x300 int16, 0.7x0.7x2.5 mm) to 1.5 mm isotropic,
/// trilinear, against scipy.ndimage.map_coordinates(order=1) on the same output grid (and zoom as a
/// second reference); connected components of its > 150 HU mask against scipy.ndimage.label.
/// </summary>
internal sealed class ResampleBenchmark : IBenchmark
{
    private const int Runs = 3;
    private static readonly GridSize Size = new(512, 512, 300);
    private static readonly Vec3 Spacing = new(0.7, 0.7, 2.5);
    private const double TargetSpacing = 1.5;

    public string Name => "resample";

    public async Task RunAsync(BenchmarkContext context, CancellationToken cancellationToken)
    {
        var geometry = Geometry.Axial(Size, Spacing, new Vec3(-179, -179, -400));
        var ct = SyntheticCt.Create(geometry);
        var volumePath = Path.Combine(context.ScratchDirectory, "resample-ct.raw");
        var scipyOutPath = Path.Combine(context.ScratchDirectory, "resample-scipy.raw");
        await File.WriteAllBytesAsync(volumePath, ct.Buffer, cancellationToken);

        var target = new Vec3(TargetSpacing, TargetSpacing, TargetSpacing);
        Volume? ours = null;
        double resampleMs = BestOf(() => ours = VolumeResampler.ToSpacing(ct, target, Interpolation.Linear));

        var mask = new byte[ct.VoxelCount];
        var voxels = ct.Voxels<short>();
        for (int n = 0; n < mask.Length; n++) mask[n] = voxels[n] > 150 ? (byte)1 : (byte)0;
        ComponentLabeling? six = null, twentySix = null;
        double label6Ms = BestOf(() => six = ConnectedComponents.Label(mask, Size, Connectivity.Six));
        double label26Ms = BestOf(() => twentySix = ConnectedComponents.Label(mask, Size, Connectivity.TwentySix));

        IReadOnlyList<ComponentMeasurement>? measured = null;
        double measureMs = BestOf(() => measured = LesionMeasurements.Measure(twentySix!, geometry, ct));

        // The anti-aliasing a 0.7 mm scan gets before stage 1 reads it at the default model's 2.5 x 2.5 x 5 mm.
        var sigma = GaussianSmoothing.AntiAliasingSigma(Spacing, new Vec3(2.5, 2.5, 5));
        var floats = ct.ToFloatArray();
        double smoothMs = BestOf(() => GaussianSmoothing.SmoothInPlace(floats, Size, sigma));

        var script = Path.Combine(context.RepositoryRoot, "bench", "resample_reference.py");
        string Invariant(double v) => v.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var output = RunPython(script, volumePath, $"{Size.I}", $"{Size.J}", $"{Size.K}",
            Invariant(Spacing.X), Invariant(Spacing.Y), Invariant(Spacing.Z), Invariant(TargetSpacing), scipyOutPath,
            Invariant(sigma.X), Invariant(sigma.Y), Invariant(sigma.Z));
        using var json = JsonDocument.Parse(output);
        var r = json.RootElement;

        var scipyVoxels = await File.ReadAllBytesAsync(scipyOutPath, cancellationToken);
        int worst = LargestDifference(ours!.Voxels<short>(), scipyVoxels);
        var o = ours.Size;

        var table = new BenchmarkTable($"Resample {Size} int16 {Spacing} mm -> {TargetSpacing} mm trilinear ({o}), {Environment.ProcessorCount} cores", "ms");
        table.Add("resample (VolumeResampler.ToSpacing)", resampleMs, r.GetProperty("map_coordinates_ms").GetDouble(), "scipy coords + map_coordinates order=1");
        table.Add("resample (VolumeResampler.ToSpacing)", resampleMs, r.GetProperty("zoom_ms").GetDouble(), "scipy.ndimage.zoom order=1 grid_mode");
        table.Add($"label 6-conn ({six!.ComponentCount} comps)", label6Ms, r.GetProperty("label6_ms").GetDouble(), $"scipy.ndimage.label ({r.GetProperty("label6_count").GetInt32()} comps)");
        table.Add($"label 26-conn ({twentySix!.ComponentCount} comps)", label26Ms, r.GetProperty("label26_ms").GetDouble(), $"scipy.ndimage.label ({r.GetProperty("label26_count").GetInt32()} comps)");
        table.Add($"measure {measured!.Count} comps (incl. diameters)", measureMs, r.GetProperty("measure_ms").GetDouble(), "scipy sum/center_of_mass/find_objects/mean/std");
        table.Add($"anti-aliasing smooth, sd {sigma.X:F2}/{sigma.Y:F2}/{sigma.Z:F2} voxels (float32)", smoothMs,
            r.GetProperty("gaussian_ms").GetDouble(), "scipy.ndimage.gaussian_filter float32 nearest");
        table.Print(Console.Out);
        Console.WriteLine($"largest |ours - scipy map_coordinates| over {o.VoxelCount} output voxels: {worst} HU; best of {Runs} runs for RenalGrpc, one run for scipy");
    }

    private static double BestOf(Action action)
    {
        double best = double.MaxValue;
        for (int run = 0; run < Runs; run++)
        {
            var watch = Stopwatch.StartNew();
            action();
            best = Math.Min(best, watch.Elapsed.TotalMilliseconds);
        }
        return best;
    }

    private static int LargestDifference(ReadOnlySpan<short> ours, byte[] scipy)
    {
        var reference = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, short>(scipy);
        if (reference.Length != ours.Length)
            throw new InvalidOperationException($"scipy produced {reference.Length} voxels, we produced {ours.Length}");
        int worst = 0;
        for (int n = 0; n < ours.Length; n++) worst = Math.Max(worst, Math.Abs(ours[n] - reference[n]));
        return worst;
    }

    private static string RunPython(string script, params string[] arguments)
    {
        var psi = new ProcessStartInfo(BenchmarkContext.ReferencePython) { RedirectStandardOutput = true, RedirectStandardError = true };
        psi.ArgumentList.Add(script);
        foreach (var a in arguments) psi.ArgumentList.Add(a);
        using var process = Process.Start(psi) ?? throw new InvalidOperationException("could not start the reference python");
        var stderr = process.StandardError.ReadToEndAsync();
        var stdout = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0) throw new InvalidOperationException($"{script} failed: {stderr.Result}");
        return stdout;
    }
}
