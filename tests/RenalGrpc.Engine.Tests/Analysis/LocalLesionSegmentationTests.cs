using RenalGrpc.Engine.Analysis;
using RenalGrpc.Imaging;
using RenalGrpc.Imaging.Components;
using RenalGrpc.Imaging.Resampling;
using TorchSharp;

namespace RenalGrpc.Engine.Tests.Analysis;

/// <summary>The edit loop's "add the lesion here": stage 1 on a cube around the point, the lesion under it kept.</summary>
public sealed class LocalLesionSegmentationTests : IDisposable
{
    private readonly string folder = Path.Combine(Path.GetTempPath(), "renal-local-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(folder)) Directory.Delete(folder, recursive: true);
    }

    /// <summary>Stage 1 replaced by the truth cut to whatever grid it is asked about (a sub-grid of the reference).</summary>
    private sealed class CubeTruthSegmenter(Volume truth) : IPhaseSegmenter
    {
        public List<GridSize> Asked { get; } = [];

        public PhaseSegmentation Segment(string phase, Volume image, bool mirrorTta, Action<AnalysisStage, double>? progress, CancellationToken cancellationToken, RenalGrpc.Engine.Preprocessing.PhysicalBox? searchRegion = null)
        {
            Asked.Add(image.Size);
            return new PhaseSegmentation(LabelResampler.Resample(truth, image.Geometry), null, 0);
        }
    }

    private static AlignedStudy Aligned(PhantomStudy study) =>
        new("P", study.Images["P"].Geometry, new Dictionary<string, Volume> { ["P"] = study.Images["P"] }, []);

    /// <summary>The tumor voxel nearest the tumor's centroid (the truth has one tumor).</summary>
    private static (int I, int J, int K) TumorVoxel(Volume truth)
    {
        var size = truth.Size;
        var voxels = truth.Voxels<byte>();
        var inside = new List<(int, int, int)>();
        for (var k = 0; k < size.K; k++)
            for (var j = 0; j < size.J; j++)
                for (var i = 0; i < size.I; i++)
                    if (voxels[(int)size.Index(i, j, k)] == KidneyLabels.Tumor) inside.Add((i, j, k));
        var (ci, cj, ck) = (inside.Average(v => v.Item1), inside.Average(v => v.Item2), inside.Average(v => v.Item3));
        return inside.MinBy(v => Math.Pow(v.Item1 - ci, 2) + Math.Pow(v.Item2 - cj, 2) + Math.Pow(v.Item3 - ck, 2));
    }

    [Fact]
    public void KeepsOnlyTheLesionUnderThePointOnTheReferenceGrid()
    {
        var study = AnalysisFixture.Small;
        var truth = study.Truth["P"];
        var segmenter = new CubeTruthSegmenter(truth);
        var (i, j, k) = TumorVoxel(truth);
        var point = truth.Geometry.IndexToPhysical(i, j, k);

        var found = LocalLesionSegmentation.Segment(segmenter, Aligned(study), point, CancellationToken.None);

        Assert.NotNull(found);
        Assert.True(found.Geometry.IsSameGrid(truth.Geometry));
        var cube = Assert.Single(segmenter.Asked);
        Assert.True(cube.VoxelCount < truth.VoxelCount, $"only a cube is segmented ({cube} of {truth.Size})");
        var tumor = ConnectedComponents.Label(SegmentationPostprocessing.Mask(truth.Voxels<byte>(), KidneyLabels.Tumor), truth.Size, Connectivity.TwentySix);
        var component = tumor.Labels[truth.Size.Index(i, j, k)];
        var expected = tumor.Labels.Select(c => c == component ? (byte)KidneyLabels.Tumor : (byte)0).ToArray();
        Assert.Equal(expected, found.Buffer);

        // Away from every lesion (a corner of the scan): nothing; outside the grid: an argument error.
        Assert.Null(LocalLesionSegmentation.Segment(segmenter, Aligned(study), truth.Geometry.IndexToPhysical(0, 0, 0), CancellationToken.None));
        Assert.Throws<ArgumentException>(() => LocalLesionSegmentation.Segment(segmenter, Aligned(study), truth.Geometry.IndexToPhysical(-20, 0, 0), CancellationToken.None));
    }

    [Fact]
    public void RunsTheCheckpointsNetworkOnTheCubeWithoutLeakingTensors()
    {
        var study = AnalysisFixture.TinyStudy;
        AnalysisFixture.SaveRandomCheckpoint(folder, [8, 8, 10], [16, 32, 32]);
        using var analyzer = StudyAnalyzer.Load(folder);
        var reference = study.Images["P"];
        var point = reference.Geometry.IndexToPhysical(32, 32, 10);
        long liveBefore = DisposeScopeManager.Statistics.ThreadTotalLiveCount;

        var found = analyzer.SegmentLesionAt(Aligned(study), point, CancellationToken.None);

        Assert.Equal(liveBefore, DisposeScopeManager.Statistics.ThreadTotalLiveCount);
        // Random weights: whatever it finds must be one lesion label, on the reference grid.
        if (found is not null)
        {
            Assert.True(found.Geometry.IsSameGrid(reference.Geometry));
            var labels = found.Buffer.Where(v => v != 0).Distinct().ToArray();
            var label = Assert.Single(labels);
            Assert.Contains(label, new byte[] { KidneyLabels.Tumor, KidneyLabels.Cyst });
        }
    }
}
