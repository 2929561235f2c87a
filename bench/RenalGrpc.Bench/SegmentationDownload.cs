using System.Diagnostics;
using RenalGrpc.Client;
using RenalGrpc.Client.Testing;
using RenalGrpc.Imaging;

namespace RenalGrpc.Bench;

/// <summary>
/// Download over loopback: GetSegmentation of a 512x512x200 label map (52 MB, uint8, 1 MiB chunks)
/// from the .NET and the Python client. The contract has no volume download, and a segmentation
/// exists only after an Analyze, so this needs the trained model (models/default); without it the
/// section says so and is skipped.
/// </summary>
internal static class SegmentationDownload
{
    private const int Repeats = 5;

    public static async Task RunAsync(BenchmarkContext context, string serverDll, Volume phase, CancellationToken cancellationToken)
    {
        var model = context.ModelFolder ?? Path.Combine(context.RepositoryRoot, "models", "default");
        if (!Directory.Exists(model))
        {
            Console.WriteLine($"- download: skipped (no model at {model}; a segmentation exists only after Analyze)");
            return;
        }

        using var server = await RenalServerProcess.StartAsync(serverDll, "--model", model, "--torch-threads", "2");
        using var client = new RenalClient(new RenalClientOptions { Uri = server.Address });
        var loadDeadline = Stopwatch.StartNew();
        while (!(await client.GetServerInfoAsync(cancellationToken)).Model.Loaded)
        {
            if (loadDeadline.Elapsed > TimeSpan.FromMinutes(3)) throw new TimeoutException("the model did not load within 3 minutes");
            await Task.Delay(500, cancellationToken);
        }

        var upload = await client.UploadStudyAsync(new Dictionary<string, Volume> { ["P"] = phase }, ChunkCompression.None, null, cancellationToken);
        var analyze = Stopwatch.StartNew();
        var analysis = await client.AnalyzeAsync(upload.StudyId, cancellationToken: cancellationToken);
        double analyzeSeconds = analyze.Elapsed.TotalSeconds;
        long bytes = analysis.Labels.Buffer.LongLength;

        await client.GetSegmentationAsync(upload.StudyId, cancellationToken: cancellationToken); // warm-up
        var seconds = new List<double>();
        for (int r = 0; r < Repeats; r++)
        {
            var clock = Stopwatch.StartNew();
            var labels = await client.GetSegmentationAsync(upload.StudyId, cancellationToken: cancellationToken);
            seconds.Add(clock.Elapsed.TotalSeconds);
            if (labels.Labels.Buffer.LongLength != bytes) throw new InvalidOperationException("segmentation size changed between downloads");
        }
        seconds.Sort();
        Console.WriteLine(FormattableString.Invariant(
            $"- .NET download (GetSegmentation, {bytes / 1e6:F0} MB uint8, SHA-256 checked by the client): median {bytes / 1e6 / seconds[Repeats / 2]:F0} MB/s, best {bytes / 1e6 / seconds[0]:F0} MB/s over {Repeats}; Analyze before it took {analyzeSeconds:F0} s"));
        RunPython(context, server.Address, upload.StudyId);
    }

    private static void RunPython(BenchmarkContext context, Uri server, string studyId)
    {
        var start = new ProcessStartInfo(BenchmarkContext.ReferencePython) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { Path.Combine(context.RepositoryRoot, "bench", "transfer_python.py"), "--url", server.ToString(), "--download", studyId, "--repeat", Repeats.ToString(System.Globalization.CultureInfo.InvariantCulture) })
        {
            start.ArgumentList.Add(a);
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        process.WaitForExit();
        Console.WriteLine($"- Python download (exit {process.ExitCode}): {stdout.Result.Trim()}");
        if (process.ExitCode != 0) Console.WriteLine(stderr.Result.TrimEnd());
    }
}
