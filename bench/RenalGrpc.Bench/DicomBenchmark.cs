using System.Diagnostics;
using System.Text.Json;
using RenalGrpc.Imaging;
using RenalGrpc.Imaging.Dicom;

namespace RenalGrpc.Bench;

/// <summary>
/// Reads a 300-slice 512x512 int16 CT series (written by pydicom into the scratch folder once)
/// with <see cref="DicomSeriesReader"/>, against pydicom reading, sorting, stacking and
/// rescaling the same files (bench/dicom_reference.py), both with a warm page cache.
/// </summary>
internal sealed class DicomBenchmark : IBenchmark
{
    private const int Slices = 300;
    private const int Size = 512;
    private const int Repeats = 5;

    public string Name => "dicom";

    public async Task RunAsync(BenchmarkContext context, CancellationToken cancellationToken)
    {
        var folder = Path.Combine(context.ScratchDirectory, $"dicom-ct-{Slices}x{Size}");
        var script = Path.Combine(context.RepositoryRoot, "bench", "dicom_reference.py");
        Console.WriteLine($"dicom: writing the series with pydicom into {folder} (once)");
        await RunPython(script, ["write", folder, Slices.ToString(), Size.ToString()], cancellationToken);

        var reference = JsonDocument.Parse(await RunPython(script, ["read", folder, Repeats.ToString()], cancellationToken)).RootElement;
        double referenceMs = reference.GetProperty("median_s").GetDouble() * 1000;

        var table = new BenchmarkTable($"DICOM series read: {Slices} files of {Size}x{Size} int16 CT ({Slices * Size * Size * 2 / 1e6:F0} MB), warm cache", "ms");
        foreach (int threads in new[] { Environment.ProcessorCount, 1 })
        {
            var options = new DicomReadOptions { MaxDegreeOfParallelism = threads };
            var volume = DicomSeriesReader.Read(folder, options); // warm-up: JIT, page cache
            Verify(volume, reference);
            double ms = MedianMs(() => DicomSeriesReader.Read(folder, options));
            table.Add($"folder -> HU volume, {threads} thread(s)", ms, referenceMs, "pydicom 2.3 + numpy");
        }
        table.Print(Console.Out);
    }

    private static void Verify(Volume volume, JsonElement reference)
    {
        var voxels = volume.Voxels<short>();
        long sum = 0;
        foreach (var v in voxels) sum += v;
        var shape = reference.GetProperty("shape");
        var size = volume.Size;
        bool same = size == new GridSize(shape[2].GetInt32(), shape[1].GetInt32(), shape[0].GetInt32())
                    && sum == reference.GetProperty("checksum").GetInt64()
                    && voxels[0] == reference.GetProperty("first").GetInt32()
                    && voxels[(int)size.Index(size.I / 2, size.J / 2, size.K / 2)] == reference.GetProperty("center").GetInt32();
        if (!same) throw new InvalidOperationException($"DICOM volume differs from pydicom's (sum {sum} vs {reference.GetProperty("checksum")})");
    }

    private static double MedianMs(Action action)
    {
        var times = new double[Repeats];
        for (int n = 0; n < Repeats; n++)
        {
            var watch = Stopwatch.StartNew();
            action();
            times[n] = watch.Elapsed.TotalMilliseconds;
        }
        Array.Sort(times);
        return times[Repeats / 2];
    }

    private static async Task<string> RunPython(string script, string[] arguments, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo(BenchmarkContext.ReferencePython) { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(script);
        foreach (var a in arguments) start.ArgumentList.Add(a);
        using var process = Process.Start(start) ?? throw new InvalidOperationException("could not start " + BenchmarkContext.ReferencePython);
        var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken);
        if (process.ExitCode != 0) throw new InvalidOperationException($"{script} {string.Join(' ', arguments)} failed: {await stderr}");
        return await stdout;
    }
}
