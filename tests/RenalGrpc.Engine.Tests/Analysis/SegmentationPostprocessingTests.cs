using RenalGrpc.Engine.Analysis;
using RenalGrpc.Imaging;

namespace RenalGrpc.Engine.Tests.Analysis;

public sealed class SegmentationPostprocessingTests
{
    // 2 mm voxels: 8 microlitres each, so a 20^3 block is 64 ml and a 5^3 block 1 ml.
    private static readonly Geometry Grid = Geometry.Axial(new GridSize(80, 40, 40), new Vec3(2, 2, 2), new Vec3(0, 0, 0));

    private static void Block(byte[] labels, byte value, int i0, int j0, int k0, int n, int? nj = null, int? nk = null)
    {
        for (int k = k0; k < k0 + (nk ?? n); k++)
            for (int j = j0; j < j0 + (nj ?? n); j++)
                for (int i = i0; i < i0 + n; i++) labels[Grid.Size.Index(i, j, k)] = value;
    }

    [Fact]
    public void KeepsTwoPlausibleKidneysWithTheirLesionsAndRecordsWhatWentAway()
    {
        var labels = new byte[Grid.VoxelCount];
        Block(labels, 1, 2, 2, 2, 20);        // kidney 64 ml
        Block(labels, 2, 10, 10, 10, 8);      // tumor inside it, 4 ml
        Block(labels, 1, 40, 2, 2, 18);       // kidney 46.7 ml
        Block(labels, 3, 58, 5, 5, 6);        // cyst touching it from outside (exophytic)
        Block(labels, 1, 40, 25, 20, 14);     // a third kidney-like blob, 22 ml: beyond the two largest
        Block(labels, 1, 70, 30, 30, 4);      // island of 0.5 ml: implausible
        Block(labels, 2, 2, 30, 30, 10);      // tumor touching no kidney, 8 ml, no kidney tissue
        Block(labels, 2, 30, 5, 5, 3);        // a free-floating tumor speck between the kidneys:
        labels[Grid.Size.Index(30, 5, 5)] = 0; // 26 voxels
        var (cleaned, record) = SegmentationPostprocessing.Apply(new Volume(Grid, VoxelType.UInt8, labels));
        var result = cleaned.Voxels<byte>();

        Assert.Equal(2, record.KeptKidneyMl.Count);
        Assert.Equal(64.0, record.KeptKidneyMl[0], 6);
        Assert.Equal((18 * 18 * 18 + 6 * 6 * 6) * 0.008, record.KeptKidneyMl[1], 6);
        Assert.Equal(6, record.KidneyCandidates);
        Assert.Equal(4, record.RemovedComponents);
        Assert.Equal(1000 + 26, record.RemovedLesionVoxels);
        Assert.Equal(2, result[(int)Grid.Size.Index(12, 12, 12)]);  // tumor inside a kept kidney stays
        Assert.Equal(3, result[(int)Grid.Size.Index(60, 7, 7)]);    // exophytic cyst touching a kept kidney stays
        Assert.Equal(0, result[(int)Grid.Size.Index(45, 30, 25)]);  // third blob
        Assert.Equal(0, result[(int)Grid.Size.Index(71, 31, 31)]);  // island
        Assert.Equal(0, result[(int)Grid.Size.Index(5, 33, 33)]);   // tumor away from every kidney
        Assert.Equal(0, result[(int)Grid.Size.Index(31, 6, 6)]);    // speck
        Assert.Equal(0, record.TumorFragments);
    }

    [Fact]
    public void SmallTumorFragmentsInsideAKidneyBecomeKidney()
    {
        var labels = new byte[Grid.VoxelCount];
        Block(labels, 1, 2, 2, 2, 20);
        Block(labels, 2, 5, 5, 5, 3);         // 27 voxels = 0.216 ml < 0.5 ml
        Block(labels, 2, 12, 12, 12, 5);      // 1 ml: a lesion
        var (cleaned, record) = SegmentationPostprocessing.Apply(new Volume(Grid, VoxelType.UInt8, labels));
        Assert.Equal(1, record.TumorFragments);
        Assert.Equal(27, record.TumorFragmentVoxels);
        Assert.Equal(1, cleaned.Voxels<byte>()[(int)Grid.Size.Index(6, 6, 6)]);
        Assert.Equal(2, cleaned.Voxels<byte>()[(int)Grid.Size.Index(14, 14, 14)]);
        Assert.Equal(0, record.RemovedComponents);
    }
}
