using RenalGrpc.Engine.Analysis;
using RenalGrpc.Engine.Preprocessing;
using RenalGrpc.Engine.Registration;
using RenalGrpc.Imaging;
using RenalGrpc.Imaging.Components;

namespace RenalGrpc.Engine.Tests.Analysis;

/// <summary>
/// Phases after the first are searched around the kidneys the first phase showed
/// (<see cref="StudyAnalyzerSettings.KidneySearchMarginMm"/>); stage 1 replaced by ground truth that
/// records the region each phase was given.
/// </summary>
public sealed class KidneySearchRegionTests : IDisposable
{
    private readonly string folder = Path.Combine(Path.GetTempPath(), "renal-search-" + Guid.NewGuid().ToString("N"));

    public KidneySearchRegionTests() => AnalysisFixture.SaveRandomCheckpoint(folder, [5.3, 5.3, 10.0], [8, 16, 16]);

    public void Dispose()
    {
        if (Directory.Exists(folder)) Directory.Delete(folder, recursive: true);
    }

    private List<(string Phase, PhysicalBox? Region)> Regions(IReadOnlyDictionary<string, Volume> truth, double? margin) =>
        Analyze(truth, margin).Regions;

    private (List<(string Phase, PhysicalBox? Region)> Regions, StudyAnalysis Result) Analyze(IReadOnlyDictionary<string, Volume> truth, double? margin)
    {
        var segmenter = new TruthSegmenter(truth);
        using var analyzer = StudyAnalyzer.Load(folder, new StudyAnalyzerSettings
        {
            KidneySearchMarginMm = margin,
            RoiRefinement = false,
            Alignment = new AlignmentOptions { Registration = new MaskRegistrationOptions { Steps = 2 } },
        }, segmenter);
        var result = analyzer.Analyze(AnalysisFixture.TinyStudy.Images, new AnalysisOptions(), null, CancellationToken.None);
        return (segmenter.SearchRegions, result);
    }

    /// <summary>The labels with every foreground component but the largest erased: one kidney.</summary>
    private static Volume OneKidney(Volume labels)
    {
        var components = ConnectedComponents.Label(labels, v => v > 0, Connectivity.TwentySix);
        int largest = components.LabelsBySize()[0];
        var voxels = labels.Voxels<byte>().ToArray();
        for (int v = 0; v < voxels.Length; v++) if (components.Labels[v] != largest) voxels[v] = 0;
        return new Volume(labels.Geometry, VoxelType.UInt8, voxels);
    }

    [Fact]
    public void A_later_phase_without_two_kidneys_in_the_region_is_searched_again_whole()
    {
        var truth = new Dictionary<string, Volume>(AnalysisFixture.TinyStudy.Truth);
        truth["A"] = OneKidney(truth["A"]);
        var (regions, result) = Analyze(truth, 50);
        Assert.Equal(new[] { "N", "A", "A", "P", "D" }, regions.Select(r => r.Phase));
        Assert.Null(regions[0].Region);
        Assert.NotNull(regions[1].Region);
        Assert.Null(regions[2].Region);
        Assert.NotNull(regions[3].Region);
        // One segmentation timing per phase: the two passes of A count as A's time.
        Assert.Single(result.Timings, t => t.Stage == AnalysisStage.Segmentation && t.Phase == "A");
        Assert.Single(result.Timings, t => t.Stage == AnalysisStage.Preprocessing && t.Phase == "A");
    }

    [Fact]
    public void Later_phases_get_the_box_around_the_first_phases_kidneys_grown_by_the_margin()
    {
        var truth = AnalysisFixture.TinyStudy.Truth;
        var regions = Regions(truth, 50);
        Assert.Equal(new[] { "N", "A", "P", "D" }, regions.Select(r => r.Phase));
        Assert.Null(regions[0].Region);
        var (cleaned, record) = SegmentationPostprocessing.Apply(truth["N"]);
        Assert.Equal(2, record.KeptKidneyMl.Count);
        var expected = PhysicalBox.AroundForeground(cleaned)!.Grown(50);
        foreach (var (phase, region) in regions.Skip(1))
        {
            Assert.NotNull(region);
            Assert.True((region!.Min - expected.Min).Length < 1e-9 && (region.Max - expected.Max).Length < 1e-9, $"{phase}: {region} vs {expected}");
        }
        // Every later phase's true kidneys lie inside it: the phases move by a centimetre or two.
        foreach (var phase in new[] { "A", "P", "D" })
        {
            var inside = PhysicalBox.AroundForeground(truth[phase])!;
            Assert.True(inside.Min.X >= expected.Min.X && inside.Min.Y >= expected.Min.Y && inside.Min.Z >= expected.Min.Z
                && inside.Max.X <= expected.Max.X && inside.Max.Y <= expected.Max.Y && inside.Max.Z <= expected.Max.Z, $"{phase}: {inside} outside {expected}");
        }
    }

    [Fact]
    public void Without_a_margin_or_without_two_kidneys_in_the_first_phase_every_phase_is_searched_whole()
    {
        var truth = AnalysisFixture.TinyStudy.Truth;
        Assert.All(Regions(truth, null), r => Assert.Null(r.Region));

        // The first phase shows one kidney (the other one missed): no region for anyone.
        var changed = new Dictionary<string, Volume>(truth) { ["N"] = OneKidney(truth["N"]) };
        Assert.All(Regions(changed, 50), r => Assert.Null(r.Region));

        Assert.Throws<ArgumentException>(() => StudyAnalyzer.Load(folder, new StudyAnalyzerSettings { KidneySearchMarginMm = -1 }));
    }
}
