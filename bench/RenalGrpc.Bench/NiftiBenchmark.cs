using System.Diagnostics;
using System.IO.Compression;
using System.Text.Json;
using RenalGrpc.Imaging;
using RenalGrpc.Imaging.Nifti;

namespace RenalGrpc.Bench;

/// <summary>
/// .nii.gz read and write throughput (uncompressed MB per second) against nibabel on the same
/// 512x512x300 int16 CT-like volume, plus the gzip level trade-off that chose the writer's level.
/// </summary>
internal sealed class NiftiBenchmark : IBenchmark
{
    private const int Repeats = 3;

    public string Name => "nifti";

    public async Task RunAsync(BenchmarkContext context, CancellationToken cancellationToken)
    {
        var volume = CtLikeVolume.Create(512, 512, 300);
        double megabytes = volume.Buffer.Length / 1e6;
        var ours = Path.Combine(context.ScratchDirectory, "renal_written.nii.gz");

        double writeSeconds = Best(() => NiftiFile.Write(volume, ours));
        double readSeconds = Best(() => NiftiFile.Read(ours));
        var reference = await RunReference(context, ours, cancellationToken);
        double readNibabelFileSeconds = Best(() => NiftiFile.Read(reference.WrittenPath));

        var table = new BenchmarkTable($"NIfTI .nii.gz, 512x512x300 int16 CT-like ({megabytes:F0} MB uncompressed)", "MB/s");
        table.Add("write .nii.gz", megabytes / writeSeconds, megabytes / reference.WriteSeconds, "nibabel nib.save");
        table.Add("read .nii.gz (our file)", megabytes / readSeconds, megabytes / reference.ReadSeconds, "nibabel load + dataobj");
        table.Add("read .nii.gz (nibabel's file)", megabytes / readNibabelFileSeconds, megabytes / reference.ReadSeconds, "nibabel load + dataobj");
        table.Print(Console.Out);
        Console.WriteLine(FormattableString.Invariant(
            $"compressed size: ours {new FileInfo(ours).Length / 1e6:F1} MB, nibabel {reference.WrittenSize / 1e6:F1} MB (our gzip level {NiftiFile.GzipLevel}, nibabel level 1)"));

        PrintGzipLevels(volume);
    }

    /// <summary>Raw zlib levels on the same voxels: speed against size, the evidence for NiftiWriter.GzipLevel.</summary>
    private static void PrintGzipLevels(Volume volume)
    {
        Console.WriteLine();
        Console.WriteLine("## gzip level trade-off (System.IO.Compression, same voxels)");
        Console.WriteLine("| level | write MB/s | size MB | ratio |");
        Console.WriteLine("|---:|---:|---:|---:|");
        foreach (int level in new[] { 1, 2, 3, 4, 6 })
        {
            long size = 0;
            double seconds = Best(() =>
            {
                using var counter = new CountingStream();
                using (var gzip = new GZipStream(counter, new ZLibCompressionOptions { CompressionLevel = level }, leaveOpen: true))
                    gzip.Write(volume.Buffer);
                size = counter.Length;
            });
            Console.WriteLine(FormattableString.Invariant(
                $"| {level} | {volume.Buffer.Length / 1e6 / seconds:F1} | {size / 1e6:F1} | {(double)volume.Buffer.Length / size:F2} |"));
        }
    }

    private static double Best(Action action)
    {
        double best = double.MaxValue;
        for (int n = 0; n < Repeats; n++)
        {
            var watch = Stopwatch.StartNew();
            action();
            best = Math.Min(best, watch.Elapsed.TotalSeconds);
        }
        return best;
    }

    private sealed record ReferenceResult(double ReadSeconds, double WriteSeconds, long WrittenSize, string WrittenPath);

    private static async Task<ReferenceResult> RunReference(BenchmarkContext context, string input, CancellationToken cancellationToken)
    {
        var psi = new ProcessStartInfo(BenchmarkContext.ReferencePython)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var a in new[] { Path.Combine(context.RepositoryRoot, "bench", "nifti_reference.py"), input, context.ScratchDirectory, Repeats.ToString() })
            psi.ArgumentList.Add(a);
        using var process = Process.Start(psi) ?? throw new InvalidOperationException("cannot start " + psi.FileName);
        var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken);
        if (process.ExitCode != 0) throw new InvalidOperationException($"nifti_reference.py failed: {await stderr}");
        using var json = JsonDocument.Parse(await stdout);
        var root = json.RootElement;
        return new ReferenceResult(root.GetProperty("read_s").GetDouble(), root.GetProperty("write_s").GetDouble(),
            root.GetProperty("written_size").GetInt64(), root.GetProperty("written_path").GetString()!);
    }

    /// <summary>A write-only stream that only counts bytes, so level timings exclude disk I/O.</summary>
    private sealed class CountingStream : Stream
    {
        private long _length;
        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => _length;
        public override long Position { get => _length; set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => _length += count;
        public override void Write(ReadOnlySpan<byte> buffer) => _length += buffer.Length;
    }
}
