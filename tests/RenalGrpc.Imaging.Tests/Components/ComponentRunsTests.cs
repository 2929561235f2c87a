using RenalGrpc.Imaging.Components;

namespace RenalGrpc.Imaging.Tests.Components;

/// <summary>
/// Components as runs: they must carry exactly what a whole-grid labelling says about each
/// component, and the flood fill must find exactly the labelling's components that reach into a box.
/// </summary>
public sealed class ComponentRunsTests
{
    private static readonly GridSize Size = new(23, 17, 9);

    // Oblique, anisotropic and off-origin, so any difference in the order of the sums would show in the last bits.
    private static readonly Geometry Grid = new(Size, new Vec3(0.71, 0.83, 2.5), new Vec3(-103.3, 17.9, -41.2),
        Matrix3.FromColumns(new Vec3(Math.Cos(0.3), Math.Sin(0.3), 0), new Vec3(-Math.Sin(0.3), Math.Cos(0.3), 0), new Vec3(0, 0, 1)));

    /// <summary>Blobs: random voxels grown once, so there are many components of many shapes, touching rows included.</summary>
    private static byte[] Blobs(int seed, double density)
    {
        var random = new Random(seed);
        var mask = new byte[Size.VoxelCount];
        for (int n = 0; n < mask.Length; n++) if (random.NextDouble() < density) mask[n] = 1;
        var grown = (byte[])mask.Clone();
        for (int n = 0; n < mask.Length; n++)
        {
            if (mask[n] == 0 || random.NextDouble() < 0.5) continue;
            int i = n % Size.I;
            if (i + 1 < Size.I) grown[n + 1] = 1;
        }
        return grown;
    }

    public static TheoryData<int, Connectivity> Cases() => new()
    {
        { 1, Connectivity.Six }, { 2, Connectivity.TwentySix }, { 3, Connectivity.Six }, { 4, Connectivity.TwentySix },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void MeasuringRunsEqualsMeasuringTheLabellingToTheLastBit(int seed, Connectivity connectivity)
    {
        var labeling = ConnectedComponents.Label(Blobs(seed, 0.12), Size, connectivity);
        var whole = LesionMeasurements.Measure(labeling, Grid);
        var runs = ComponentRuns.Split(labeling);
        Assert.Equal(labeling.ComponentCount, runs.Length);
        Assert.True(runs.Length > 10, $"only {runs.Length} components");
        for (int c = 0; c < runs.Length; c++)
        {
            Assert.Equal(labeling.VoxelCount(c + 1), runs[c].VoxelCount);
            Assert.Equal(whole[c], LesionMeasurements.Measure(runs[c], c + 1, Grid));
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void RunsAnswerWhatTheComponentsMaskAnswers(int seed, Connectivity connectivity)
    {
        var labeling = ConnectedComponents.Label(Blobs(seed, 0.08), Size, connectivity);
        var runs = ComponentRuns.Split(labeling);
        var values = Enumerable.Range(0, (int)Size.VoxelCount).Select(n => (float)Math.Sin(n * 0.37) * 400 - 30).ToArray();
        var box = new VoxelBounds(5, 3, 2, 12, 9, 5);
        for (int c = 0; c < runs.Length; c++)
        {
            var mask = labeling.MaskOf(c + 1);
            var voxels = Enumerable.Range(0, mask.Length).Where(n => mask[n] != 0).ToArray();
            Assert.Equal(voxels[0], runs[c].FirstIndex);
            Assert.Equal(voxels.Sum(n => (long)1), runs[c].VoxelCount);

            var (i0, j0, k0) = (voxels.Min(n => n % Size.I), voxels.Min(n => n / Size.I % Size.J), voxels.Min(n => n / (Size.I * Size.J)));
            var (i1, j1, k1) = (voxels.Max(n => n % Size.I) + 1, voxels.Max(n => n / Size.I % Size.J) + 1, voxels.Max(n => n / (Size.I * Size.J)) + 1);
            Assert.Equal(new VoxelBounds(i0, j0, k0, i1, j1, k1), runs[c].Bounds);

            bool inBox = voxels.Any(n => box.Contains(n % Size.I, n / Size.I % Size.J, n / (Size.I * Size.J)));
            Assert.Equal(inBox, runs[c].HasVoxelIn(box));

            double sum = 0;
            foreach (int n in voxels) sum += values[n];
            Assert.Equal(sum / voxels.Length, runs[c].MeanOf(values));

            var areas = Enumerable.Range(0, Size.K).Select(k => voxels.Count(n => n / (Size.I * Size.J) == k)).ToArray();
            int largest = Array.IndexOf(areas, areas.Max());
            Assert.Equal((largest, (long)areas[largest]), runs[c].LargestSlice());
            Assert.Equal(mask.AsSpan(largest * Size.I * Size.J, Size.I * Size.J).ToArray(), runs[c].SliceMask(largest));
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void FillFindsExactlyTheComponentsReachingIntoTheBox(int seed, Connectivity connectivity)
    {
        // Two label values interleaved: the fill must follow only its own value.
        var random = new Random(seed);
        var tumor = Blobs(seed, 0.1);
        var labels = tumor.Select(v => v != 0 ? (byte)2 : (byte)(random.NextDouble() < 0.1 ? 3 : 1)).ToArray();
        var labeling = ConnectedComponents.Label(tumor, Size, connectivity);
        var all = ComponentRuns.Split(labeling);
        foreach (var box in new[] { new VoxelBounds(4, 4, 3, 9, 8, 5), new VoxelBounds(0, 0, 0, 1, 1, 1), VoxelBounds.Of(Size), new VoxelBounds(20, 10, 8, 30, 30, 30) })
        {
            var expected = all.Where(c => c.HasVoxelIn(box)).ToList();
            var found = ComponentFill.Touching(labels, Size, 2, box, connectivity);
            Assert.Equal(expected.Count, found.Count);
            for (int n = 0; n < expected.Count; n++)
            {
                Assert.Equal(expected[n].Starts.ToArray(), found[n].Starts.ToArray());
                Assert.Equal(expected[n].Lengths.ToArray(), found[n].Lengths.ToArray());
            }
        }
        Assert.Empty(ComponentFill.Touching(labels, Size, 2, VoxelBounds.Empty, connectivity));
    }

    [Fact]
    public void FillFollowsAComponentFarOutsideTheBox()
    {
        // A long snake through every slice: a one-voxel box at its tail must bring back all of it.
        var mask = new byte[Size.VoxelCount];
        for (int k = 0; k < Size.K; k++)
        {
            for (int i = 0; i < Size.I; i++) mask[Size.Index(i, k % 2 == 0 ? 2 : 14, k)] = 1;
            for (int j = 2; j <= 14; j++) mask[Size.Index(k % 2 == 0 ? Size.I - 1 : 0, j, k)] = 1;
        }
        var found = ComponentFill.Touching(mask, Size, 1, new VoxelBounds(0, 2, 0, 1, 3, 1), Connectivity.TwentySix);
        Assert.Equal(mask.Count(v => v != 0), Assert.Single(found).VoxelCount);
    }

    [Fact]
    public void RunsMustBeSortedDisjointAndMaximal()
    {
        Assert.Throws<ArgumentException>(() => ComponentRuns.FromRuns(Size, [], []));
        Assert.Throws<ArgumentException>(() => ComponentRuns.FromRuns(Size, [10, 5], [2, 2]));
        Assert.Throws<ArgumentException>(() => ComponentRuns.FromRuns(Size, [5, 7], [2, 2]));   // touching: not maximal
        Assert.Throws<ArgumentException>(() => ComponentRuns.FromRuns(Size, [Size.I - 1], [2])); // leaves its row
        Assert.Equal(new VoxelBounds(1, 0, 0, 4, 2, 1), ComponentRuns.FromRuns(Size, [1, Size.I + 2], [2, 2]).Bounds);
    }
}
