using RenalGrpc.Engine.Analysis;
using RenalGrpc.Engine.Checkpoints;
using RenalGrpc.Engine.Classification;
using RenalGrpc.Engine.Model;
using RenalGrpc.Engine.Tests.Model;
using RenalGrpc.Imaging;
using RenalGrpc.Phantom;
using static TorchSharp.torch;

namespace RenalGrpc.Engine.Tests.Analysis;

/// <summary>A generated case: its spec (the truth about motion and lesions), images and per-phase ground truth by phase name.</summary>
internal sealed record PhantomStudy(CaseSpec Spec, IReadOnlyDictionary<string, Volume> Images, IReadOnlyDictionary<string, Volume> Truth);

/// <summary>Stage 1 replaced by the case's ground truth, so alignment and diagnosis can be checked against it.</summary>
internal sealed class TruthSegmenter(IReadOnlyDictionary<string, Volume> truth) : IPhaseSegmenter
{
    /// <summary>The search region each phase was given, in the order they were segmented.</summary>
    public List<(string Phase, Engine.Preprocessing.PhysicalBox? Region)> SearchRegions { get; } = [];

    public PhaseSegmentation Segment(string phase, Volume image, bool mirrorTta, Action<AnalysisStage, double>? progress,
        CancellationToken cancellationToken, Engine.Preprocessing.PhysicalBox? searchRegion = null)
    {
        cancellationToken.ThrowIfCancellationRequested();
        SearchRegions.Add((phase, searchRegion));
        progress?.Invoke(AnalysisStage.Segmentation, 1);
        return new PhaseSegmentation(truth[phase], null, 0);
    }
}

/// <summary>Collects progress synchronously (Progress&lt;T&gt; would post to the thread pool and reorder events).</summary>
internal sealed class ProgressLog(Action<AnalysisProgress>? onReport = null) : IProgress<AnalysisProgress>
{
    public List<AnalysisProgress> Events { get; } = [];

    public void Report(AnalysisProgress value)
    {
        Events.Add(value);
        onReport?.Invoke(value);
    }
}

internal static class AnalysisFixture
{
    /// <summary>Coarse 64 x 64 x 20 scans (about 5.3 x 5.3 x 10 mm) for tests that only need the pipeline to run.</summary>
    public static readonly ScanSize Tiny = new(new GridSize(64, 64, 20), 5.3, 10);

    private static readonly Lazy<PhantomStudy> SmallTumorCase = new(() => Render(FindLargeTumorCase(), ScanSize.Small));
    private static readonly Lazy<PhantomStudy> TinyCase = new(() => Render(FindLargeTumorCase(), Tiny));

    /// <summary>A ccRCC case with a tumor of at least 3 cm (the Dice of a warped mask is meaningful) and a cyst, 128 x 128 x 40.</summary>
    public static PhantomStudy Small => SmallTumorCase.Value;

    /// <summary>The same case scanned at 64 x 64 x 20.</summary>
    public static PhantomStudy TinyStudy => TinyCase.Value;

    private static PhantomOptions Options(ScanSize size) => new() { Cases = 20, Seed = 5, Size = size };

    private static int FindLargeTumorCase()
    {
        for (int index = 0; index < 200; index++)
        {
            var spec = CaseDrawer.Draw(new CaseAssignment(index, RenalSubtype.CcRcc, true), Options(ScanSize.Small));
            var tumors = spec.Lesions.Where(l => !l.IsCyst).ToArray();
            var cysts = spec.Lesions.Where(l => l.IsCyst).ToArray();
            if (tumors.Length == 1 && tumors[0].Radius >= 17 && cysts.Length == 1 && cysts[0].Radius >= 8 && cysts[0].Side != tumors[0].Side)
                return index;
        }
        throw new InvalidOperationException("no suitable case among 200 draws");
    }

    private static PhantomStudy Render(int index, ScanSize size)
    {
        var spec = CaseDrawer.Draw(new CaseAssignment(index, RenalSubtype.CcRcc, true), Options(size));
        var scans = spec.Scans.Select(s => PhaseRenderer.Render(spec, s)).ToArray();
        return new PhantomStudy(spec,
            scans.ToDictionary(s => s.Phase.ToString(), s => s.Image),
            scans.ToDictionary(s => s.Phase.ToString(), s => s.Segmentation));
    }

    /// <summary>
    /// A random-weight checkpoint with the tiny U-Net (divisor 2 x 4 x 4) and a tiny 4-channel
    /// classifier on 32 x 32 crops; model spacing and tile as given.
    /// </summary>
    public static void SaveRandomCheckpoint(string folder, double[] spacingMm, int[] tileShape, int? classifierMinPhases = null)
    {
        manual_seed(1234);
        using var segmentation = new SegmentationUNet(ModelArchitectureTests.TinyUNet);
        using var classifier = new SubtypeClassifier(new SubtypeClassifierOptions { Widths = [4, 8], BlocksPerStage = [1, 1] });
        ModelCheckpoint.Save(folder, new CheckpointMetadata
        {
            Name = "random-test",
            Version = "0.0.1",
            SpacingMm = spacingMm,
            TileShape = tileShape,
            ClassifierCrop = new CropOptions { Size = 32, MarginMm = 5 },
            Training = new TrainingDescription { DataDescription = "random initialisation, no data", Seed = 1234 },
            ClassifierMinPhases = classifierMinPhases,
        }, segmentation, classifier);
    }

    /// <summary>The truth map reference-scanner LPS to phase-scanner LPS from the phantom's rigid motions (patient = R * scanner + t).</summary>
    public static Vec3 TrueReferenceToPhase(CaseSpec spec, string reference, string phase, Vec3 point)
    {
        var r = spec.Scans.Single(s => s.Phase.ToString() == reference);
        var m = spec.Scans.Single(s => s.Phase.ToString() == phase);
        var patient = r.Rotation * point + r.Translation;
        return m.Rotation.Transpose() * (patient - m.Translation);
    }

    /// <summary>Dice of one label between two maps on one grid.</summary>
    public static double Dice(Volume a, Volume b, int label)
    {
        var x = a.Voxels<byte>();
        var y = b.Voxels<byte>();
        long both = 0, total = 0;
        for (int n = 0; n < x.Length; n++)
        {
            bool p = x[n] == label, q = y[n] == label;
            if (p && q) both++;
            total += (p ? 1 : 0) + (q ? 1 : 0);
        }
        return total == 0 ? 1 : 2.0 * both / total;
    }
}
