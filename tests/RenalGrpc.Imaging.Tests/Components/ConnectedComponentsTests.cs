using RenalGrpc.Imaging.Components;
using RenalGrpc.Imaging.Tests.Support;

namespace RenalGrpc.Imaging.Tests.Components;

public sealed class ConnectedComponentsTests
{
    private const string ScipyLabel = """
import sys
import numpy as np
from scipy import ndimage as nd
I, J, K, rank = (int(a) for a in sys.argv[3:7])
mask = np.fromfile(sys.argv[1], dtype=np.uint8).reshape(K, J, I)
labels, count = nd.label(mask, structure=nd.generate_binary_structure(3, rank))
labels.astype('<i4').tofile(sys.argv[2])
print(count)
""";

    private static (int[] Labels, int Count) Scipy(byte[] mask, GridSize size, Connectivity connectivity)
    {
        var dir = Directory.CreateTempSubdirectory("renal-label-");
        try
        {
            var maskPath = Path.Combine(dir.FullName, "mask.raw");
            var labelPath = Path.Combine(dir.FullName, "labels.raw");
            File.WriteAllBytes(maskPath, mask);
            int rank = connectivity == Connectivity.Six ? 1 : 3;
            var count = int.Parse(ReferencePython.Run(ScipyLabel, maskPath, labelPath, $"{size.I}", $"{size.J}", $"{size.K}", $"{rank}").Trim());
            var bytes = File.ReadAllBytes(labelPath);
            var labels = new int[bytes.Length / 4];
            Buffer.BlockCopy(bytes, 0, labels, 0, bytes.Length);
            return (labels, count);
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    /// <summary>Same partition: a one-to-one correspondence of labels, background to background.</summary>
    private static void AssertSamePartition(int[] expected, int[] actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        var forward = new Dictionary<int, int>();
        var backward = new Dictionary<int, int>();
        for (int n = 0; n < expected.Length; n++)
        {
            Assert.True((expected[n] == 0) == (actual[n] == 0), $"voxel {n}: background disagrees");
            if (!forward.TryAdd(expected[n], actual[n]) && forward[expected[n]] != actual[n])
                Assert.Fail($"voxel {n}: scipy component {expected[n]} is split in ours");
            if (!backward.TryAdd(actual[n], expected[n]) && backward[actual[n]] != expected[n])
                Assert.Fail($"voxel {n}: our component {actual[n]} merges scipy components");
        }
    }

    private static byte[] RandomMask(GridSize size, double density, int seed)
    {
        var random = new Random(seed);
        var mask = new byte[size.VoxelCount];
        for (int n = 0; n < mask.Length; n++) mask[n] = random.NextDouble() < density ? (byte)1 : (byte)0;
        return mask;
    }

    [Theory]
    [InlineData(Connectivity.Six, 0.25, 1)]
    [InlineData(Connectivity.Six, 0.45, 2)]
    [InlineData(Connectivity.TwentySix, 0.08, 3)]
    [InlineData(Connectivity.TwentySix, 0.2, 4)]
    public void RandomMasksPartitionLikeScipyLabel(Connectivity connectivity, double density, int seed)
    {
        var size = new GridSize(37, 29, 23);
        var mask = RandomMask(size, density, seed);
        var ours = ConnectedComponents.Label(mask, size, connectivity);
        var (scipyLabels, scipyCount) = Scipy(mask, size, connectivity);
        Assert.Equal(scipyCount, ours.ComponentCount);
        Assert.True(scipyCount > 20, "the mask should hold many components to make the comparison meaningful");
        AssertSamePartition(scipyLabels, ours.Labels);
        // Numbered in raster order of first voxel, like scipy: the labels themselves agree.
        Assert.Equal(scipyLabels, ours.Labels);
        long total = 0;
        for (int c = 1; c <= ours.ComponentCount; c++) total += ours.VoxelCount(c);
        Assert.Equal(mask.Count(v => v != 0), total);
    }

    [Fact]
    public void DiagonalNeighboursJoinOnlyWithTwentySixConnectivity()
    {
        var size = new GridSize(3, 3, 3);
        var mask = new byte[27];
        mask[size.Index(0, 0, 0)] = 1;
        mask[size.Index(1, 1, 1)] = 1; // corner neighbour
        mask[size.Index(2, 1, 1)] = 1; // face neighbour of the previous
        Assert.Equal(2, ConnectedComponents.Label(mask, size, Connectivity.Six).ComponentCount);
        Assert.Equal(1, ConnectedComponents.Label(mask, size, Connectivity.TwentySix).ComponentCount);
    }

    [Fact]
    public void EmptyAndFullMasks()
    {
        var size = new GridSize(5, 4, 3);
        var empty = ConnectedComponents.Label(new byte[60], size, Connectivity.Six);
        Assert.Equal(0, empty.ComponentCount);
        Assert.All(empty.Labels, l => Assert.Equal(0, l));
        var full = ConnectedComponents.Label(Enumerable.Repeat((byte)1, 60).ToArray(), size, Connectivity.Six);
        Assert.Equal(1, full.ComponentCount);
        Assert.Equal(60, full.VoxelCount(1));
    }

    [Fact]
    public void VolumePredicateSelectsTheForeground()
    {
        var geometry = Geometry.Axial(new GridSize(6, 1, 1), new Vec3(1, 1, 1), Vec3.Zero);
        var image = Volume.FromVoxels<short>(geometry, new short[] { 100, 300, 50, 400, 500, -20 });
        var labeling = ConnectedComponents.Label(image, v => v >= 200, Connectivity.Six);
        Assert.Equal(new[] { 0, 1, 0, 2, 2, 0 }, labeling.Labels);
        Assert.Equal(new[] { 2, 1 }, labeling.LabelsBySize());
    }

    [Fact]
    public void WrongMaskLengthIsAClearError()
    {
        var error = Assert.Throws<ImagingException>(() => ConnectedComponents.Label(new byte[10], new GridSize(2, 2, 2), Connectivity.Six));
        Assert.Contains("needs 8", error.Message);
    }
}
