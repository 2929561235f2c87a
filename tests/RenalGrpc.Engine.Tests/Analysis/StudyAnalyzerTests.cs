using RenalGrpc.Engine.Analysis;
using RenalGrpc.Engine.Registration;
using RenalGrpc.Imaging;
using RenalGrpc.Imaging.Components;
using TorchSharp;
using Xunit.Abstractions;

namespace RenalGrpc.Engine.Tests.Analysis;

/// <summary>The whole pipeline with a random-weight checkpoint on a coarse generated 4-phase case.</summary>
public sealed class StudyAnalyzerTests(ITestOutputHelper output) : IDisposable
{
    private readonly string folder = Path.Combine(Path.GetTempPath(), "renal-analyzer-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(folder)) Directory.Delete(folder, recursive: true);
    }

    private StudyAnalyzer LoadRandom()
    {
        // 8 x 8 x 10 mm model spacing (a 43 x 43 x 20 model grid) and 16 x 32 x 32 tiles: 8 tiles per phase.
        AnalysisFixture.SaveRandomCheckpoint(folder, [8, 8, 10], [16, 32, 32]);
        return StudyAnalyzer.Load(folder, new StudyAnalyzerSettings
        {
            Alignment = new AlignmentOptions { Registration = new MaskRegistrationOptions { Steps = 10 } },
        });
    }

    [Fact]
    public void AnalyzeGivesReferenceGridLabelsTimingsAndOrderedProgressWithoutLeakingTensors()
    {
        var study = AnalysisFixture.TinyStudy;
        using var analyzer = LoadRandom();
        Assert.Equal("random-test 0.0.1", analyzer.ModelVersion);
        var progress = new ProgressLog();
        long liveBefore = DisposeScopeManager.Statistics.ThreadTotalLiveCount;

        var result = analyzer.Analyze(study.Images, new AnalysisOptions(), progress, CancellationToken.None);

        Assert.Equal(liveBefore, DisposeScopeManager.Statistics.ThreadTotalLiveCount);
        Assert.Equal("P", result.Aligned.ReferencePhase);
        Assert.Equal("P", result.Diagnosis.ReferencePhase);
        Assert.True(result.Labels.Geometry.IsSameGrid(study.Images["P"].Geometry, 0, 0));
        Assert.Equal(VoxelType.UInt8, result.Labels.VoxelType);
        Assert.All(result.Labels.Voxels<byte>().ToArray().Distinct(), v => Assert.InRange(v, 0, 3));
        Assert.Equal(new[] { "A", "D", "N", "P" }, result.Aligned.ImagesOnReference.Keys.Order());
        Assert.All(result.Aligned.ImagesOnReference.Values, image =>
        {
            Assert.Equal(VoxelType.Float32, image.VoxelType);
            Assert.True(image.Geometry.IsSameGrid(result.Aligned.ReferenceGrid, 0, 0));
        });
        // The reference image is copied as is.
        Assert.Equal(study.Images["P"].ToFloatArray(), result.Aligned.ImagesOnReference["P"].Voxels<float>().ToArray());
        Assert.Equal(new[] { "A", "D", "N" }, result.Aligned.Alignments.Select(a => a.Phase).Order());
        Assert.Empty(result.PhaseLabels);
        Assert.Equal(new[] { "A", "D", "N", "P" }, result.PhaseRecords!.Keys.Order());
        Assert.All(result.PhaseRecords.Values, r => Assert.NotNull(r.Preprocessing));

        foreach (var phase in new[] { "N", "A", "P", "D" })
        {
            Assert.Single(result.Timings, t => t.Stage == AnalysisStage.Preprocessing && t.Phase == phase);
            Assert.Single(result.Timings, t => t.Stage == AnalysisStage.Segmentation && t.Phase == phase);
        }
        Assert.Equal(3, result.Timings.Count(t => t.Stage == AnalysisStage.Alignment));
        Assert.Single(result.Timings, t => t.Stage == AnalysisStage.Classification);
        Assert.All(result.Timings, t => Assert.True(t.Seconds >= 0));
        foreach (var t in result.Timings) output.WriteLine($"{t.Stage} {t.Phase}: {t.Seconds:F3} s");

        AssertProgressInOrder(progress.Events);
        Assert.Equal(new[] { "N", "A", "P", "D" },
            progress.Events.Where(e => e.Stage == AnalysisStage.Segmentation).Select(e => e.Phase).Distinct());
        Assert.Contains(progress.Events, e => e.Stage == AnalysisStage.Segmentation && e.Fraction is > 0 and < 1);
        Assert.Equal(new AnalysisProgress(AnalysisStage.Classification, 1), progress.Events[^1]);
    }

    [Fact]
    public void EveryDiagnosisSaysWhichTumorsWereReadFromFewerPhasesThanTheClassifierWasTrainedOn_EditsToo()
    {
        AnalysisFixture.SaveRandomCheckpoint(folder, [8, 8, 10], [16, 32, 32], classifierMinPhases: 3);
        using var analyzer = StudyAnalyzer.Load(folder, new StudyAnalyzerSettings
        {
            Alignment = new AlignmentOptions { Registration = new MaskRegistrationOptions { Steps = 10 } },
        });
        var study = AnalysisFixture.TinyStudy;
        var phases = new Dictionary<string, Volume> { ["N"] = study.Images["N"], ["P"] = study.Images["P"] };
        var aligned = analyzer.Analyze(phases, new AnalysisOptions(), null, CancellationToken.None).Aligned;

        // The edit loop's calls, on labels drawn by hand (random weights draw nothing dependable).
        var truth = study.Truth["P"];
        var tumor = truth.Voxels<byte>().ToArray().Select(v => v == 2 ? (byte)2 : (byte)0).ToArray();
        Assert.Contains((byte)2, tumor);
        var withTumor = Volume.FromVoxels<byte>(truth.Geometry, tumor);
        var warned = analyzer.Rediagnose(aligned, withTumor, null, VoxelBounds.Of(truth.Geometry.Size), CancellationToken.None);
        var warning = Assert.Single(warned.Diagnosis.SubtypeWarnings);
        Assert.EndsWith("read from N and P only: the classifier was trained on lesions seen in 3 or more phases, so these subtype probabilities are not validated", warning);
        Assert.Equal(warned.Diagnosis.SubtypeWarnings, analyzer.Diagnose(aligned, withTumor, CancellationToken.None).SubtypeWarnings);

        // Erasing the tumor (an edit from the diagnosis before it) takes the warning away.
        var erased = Volume.FromVoxels<byte>(truth.Geometry, new byte[tumor.Length]);
        Assert.Empty(analyzer.Rediagnose(aligned, erased, warned, VoxelBounds.Of(truth.Geometry.Size), CancellationToken.None).Diagnosis.SubtypeWarnings);
    }

    [Fact]
    public void PerPhaseMasksAreKeptOnEachPhasesOwnGridWhenAsked()
    {
        var study = AnalysisFixture.TinyStudy;
        using var analyzer = LoadRandom();
        var result = analyzer.Analyze(study.Images, new AnalysisOptions { PerPhaseMasks = true, ReferencePhase = "A" }, null, CancellationToken.None);
        Assert.Equal("A", result.Aligned.ReferencePhase);
        Assert.True(result.Labels.Geometry.IsSameGrid(study.Images["A"].Geometry, 0, 0));
        Assert.Equal(new[] { "A", "D", "N", "P" }, result.PhaseLabels.Keys.Order());
        foreach (var (phase, labels) in result.PhaseLabels) Assert.True(labels.Geometry.IsSameGrid(study.Images[phase].Geometry, 0, 0));
        Assert.Same(result.Labels, result.PhaseLabels["A"]);
    }

    [Fact]
    public void CancellationBetweenTilesThrowsAndLeaksNothing()
    {
        var study = AnalysisFixture.TinyStudy;
        using var analyzer = LoadRandom();
        using var cancellation = new CancellationTokenSource();
        var progress = new ProgressLog(e =>
        {
            if (e.Stage == AnalysisStage.Segmentation && e.Phase == "A" && e.Fraction > 0) cancellation.Cancel();
        });
        long liveBefore = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        Assert.ThrowsAny<OperationCanceledException>(() => analyzer.Analyze(study.Images, new AnalysisOptions(), progress, cancellation.Token));
        Assert.Equal(liveBefore, DisposeScopeManager.Statistics.ThreadTotalLiveCount);
        // It stopped inside phase A: no later phase was started.
        Assert.DoesNotContain(progress.Events, e => e.Phase is "P" or "D");
        Assert.DoesNotContain(progress.Events, e => e.Stage >= AnalysisStage.Alignment);
    }

    [Fact]
    public void UnusableInputIsAnArgumentException()
    {
        var study = AnalysisFixture.TinyStudy;
        using var analyzer = LoadRandom();
        Assert.Throws<ArgumentException>(() => analyzer.Analyze(new Dictionary<string, Volume>(), new AnalysisOptions(), null, default));
        Assert.Throws<ArgumentException>(() => analyzer.Analyze(new Dictionary<string, Volume> { ["X"] = study.Images["P"] }, new AnalysisOptions(), null, default));
        Assert.Throws<ArgumentException>(() => analyzer.Analyze(new Dictionary<string, Volume> { ["N"] = study.Images["N"] },
            new AnalysisOptions { ReferencePhase = "P" }, null, default));

        // A float32 phase with one NaN voxel, and a header whose spacing is 100 times too large: refused up front.
        var p = study.Images["P"];
        var values = p.ToFloatArray();
        values[values.Length / 2] = float.NaN;
        var withNan = Volume.FromVoxels<float>(p.Geometry, values);
        var nan = Assert.Throws<ArgumentException>(() => analyzer.Analyze(new Dictionary<string, Volume> { ["N"] = study.Images["N"], ["P"] = withNan },
            new AnalysisOptions(), null, default));
        Assert.Contains("phase P: 1 of", nan.Message);
        var g = p.Geometry;
        var huge = p.WithGeometry(new Geometry(g.Size, g.Spacing * 100, g.Origin, g.Direction));
        var fieldOfView = Assert.Throws<ArgumentException>(() => analyzer.Analyze(new Dictionary<string, Volume> { ["P"] = huge }, new AnalysisOptions(), null, default));
        Assert.Contains("check that the spacing is in mm", fieldOfView.Message);
        // The same phase as stored DICOM values (HU + 1024) without the rescale.
        var storedValues = Volume.FromVoxels<float>(p.Geometry, p.ToFloatArray().Select(v => v + 1024).ToArray());
        var offset = Assert.Throws<ArgumentException>(() => analyzer.Analyze(new Dictionary<string, Volume> { ["P"] = storedValues }, new AnalysisOptions(), null, default));
        Assert.Contains("RescaleSlope and RescaleIntercept", offset.Message);
    }

    [Fact]
    public void TrimmingNativeMemoryIsSafeToCallAnyTime()
    {
        // glibc answers 1 when it released memory and 0 when there was nothing to release; both are fine.
        NativeHeap.Trim();
        NativeHeap.Trim();
    }

    /// <summary>Stages never go back; within one stage and phase the fraction never decreases.</summary>
    internal static void AssertProgressInOrder(IReadOnlyList<AnalysisProgress> events)
    {
        Assert.NotEmpty(events);
        var seenPhases = new List<string?>();
        for (int n = 1; n < events.Count; n++)
        {
            var (before, now) = (events[n - 1], events[n]);
            bool perPhaseStage = now.Stage is AnalysisStage.Preprocessing or AnalysisStage.Segmentation;
            if (perPhaseStage && before.Stage is AnalysisStage.Preprocessing or AnalysisStage.Segmentation)
            {
                // Preprocessing and segmentation alternate per phase; phases go N, A, P, D and never come back.
                if (now.Phase != before.Phase) Assert.DoesNotContain(now.Phase, seenPhases);
                else Assert.True(now.Stage > before.Stage || (now.Stage == before.Stage && now.Fraction >= before.Fraction),
                    $"{before} then {now}");
                if (!seenPhases.Contains(before.Phase)) seenPhases.Add(before.Phase);
                continue;
            }
            Assert.True(now.Stage >= before.Stage, $"{before} then {now}");
            if (now.Stage == before.Stage && now.Stage != AnalysisStage.Alignment) Assert.True(now.Fraction >= before.Fraction, $"{before} then {now}");
            if (now.Stage == AnalysisStage.Alignment && before.Stage == AnalysisStage.Alignment) Assert.True(now.Fraction >= before.Fraction);
        }
    }
}
