using System.Globalization;
using RenalGrpc.Engine.Checkpoints;
using RenalGrpc.Engine.Model;
using RenalGrpc.Imaging;
using RenalGrpc.Phantom;
using static TorchSharp.torch;

namespace RenalGrpc.Bench;

/// <summary>A generated four-phase study held in memory (images only; the truth is not needed for timing).</summary>
internal sealed record BenchStudy(string Name, ScanSize Size, IReadOnlyDictionary<string, Volume> Phases, int TrueLesions)
{
    public long Bytes => Phases.Values.Sum(v => v.Buffer.LongLength);
}

/// <summary>Model folder choice, random checkpoint and phantom studies for the engine benchmark.</summary>
internal static class EngineFixtures
{
    /// <summary>
    /// --model PATH when given; else the repository's models/default when it holds a checkpoint;
    /// else a random-weight checkpoint written once into the scratch folder (timings barely depend
    /// on the weights, except through the number of lesions found).
    /// </summary>
    public static (string Folder, string Description) ChooseModel(BenchmarkContext context)
    {
        if (context.ModelFolder is { } given) return (Path.GetFullPath(given), "--model");
        var shipped = Path.Combine(context.RepositoryRoot, "models", "default");
        if (File.Exists(Path.Combine(shipped, ModelCheckpoint.MetadataFile))) return (shipped, "repository default model");
        var random = Path.Combine(context.ScratchDirectory, "engine-random-model");
        if (!File.Exists(Path.Combine(random, ModelCheckpoint.MetadataFile))) SaveRandomCheckpoint(random);
        return (random, "random weights (models/default not present)");
    }

    /// <summary>The shape the default model is trained with (U-Net 8-16-32-64, default strides; default classifier), random weights.</summary>
    private static void SaveRandomCheckpoint(string folder)
    {
        manual_seed(20261127);
        using var segmentation = new SegmentationUNet(new SegmentationUNetOptions { Features = [8, 16, 32, 64] });
        using var classifier = new SubtypeClassifier(new SubtypeClassifierOptions());
        ModelCheckpoint.Save(folder, new CheckpointMetadata
        {
            Name = "bench-random",
            Version = "0.0.0",
            SpacingMm = [2.5, 2.5, 5.0],
            TileShape = [24, 80, 80],
            Training = new TrainingDescription { DataDescription = "random initialisation, no data (benchmark only)", Seed = 20261127 },
        }, segmentation, classifier);
    }

    /// <summary>
    /// A ccRCC case with a cyst from the phantom, rendered in memory, all four phases. One phase is
    /// rendered at a time and its label map and tissue map are dropped at once, as a server holds
    /// only the uploaded images.
    /// </summary>
    public static BenchStudy Generate(string name, ScanSize size)
    {
        var options = new PhantomOptions { Cases = 1, Seed = 7, Size = size };
        var spec = CaseDrawer.Draw(new CaseAssignment(0, RenalSubtype.CcRcc, true), options);
        var phases = new Dictionary<string, Volume>(StringComparer.Ordinal);
        foreach (var scan in spec.Scans) phases[scan.Phase.ToString()] = PhaseRenderer.Render(spec, scan).Image;
        return new BenchStudy(name, size, phases, spec.Lesions.Length);
    }
}

/// <summary>
/// Resident memory of this process from /proc/self/status. VmHWM is the process-wide peak since
/// start (or since the last reset); writing "5" to /proc/self/clear_refs resets it to the current
/// RSS (Linux 4.0+), which lets one stage's peak be read on its own.
/// </summary>
internal static class ProcessMemory
{
    private static long highestBeforeReset;

    /// <summary>Process-wide peak since start, across resets.</summary>
    public static long ProcessPeakBytes() => Math.Max(highestBeforeReset, PeakSinceResetBytes());

    /// <summary>VmHWM as the kernel reports it: the peak since the last reset.</summary>
    public static long PeakSinceResetBytes() => StatusBytes("VmHWM:");

    public static long CurrentBytes() => StatusBytes("VmRSS:");

    /// <summary>True when the kernel accepted the reset (VmHWM then starts again from the current RSS).</summary>
    public static bool TryResetPeak()
    {
        highestBeforeReset = ProcessPeakBytes();
        try
        {
            File.WriteAllText("/proc/self/clear_refs", "5");
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    /// <summary>Collects managed garbage and gives freed native memory back, so "before" figures are not inflated by the previous run.</summary>
    public static void Settle()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
        Engine.Analysis.NativeHeap.Trim();
    }

    private static long StatusBytes(string key)
    {
        foreach (var line in File.ReadLines("/proc/self/status"))
        {
            if (!line.StartsWith(key, StringComparison.Ordinal)) continue;
            var kilobytes = line[key.Length..].Trim().Split(' ')[0];
            return long.Parse(kilobytes, CultureInfo.InvariantCulture) * 1024;
        }
        throw new InvalidOperationException($"{key} not in /proc/self/status");
    }
}
