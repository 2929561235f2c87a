using RenalGrpc.Client;
using RenalGrpc.Imaging;

namespace RenalGrpc.Cli.Tests;

/// <summary>The client's edit builders: changed box, run-length encoding, and when a whole map is sent instead.</summary>
public sealed class LabelEditsTests
{
    private static readonly Geometry Grid = Geometry.Axial(new GridSize(200, 200, 40), new Vec3(0.8, 0.8, 2.5), new Vec3(0, 0, 0));

    /// <summary>Decodes a region back onto a copy of <paramref name="before"/> (the test's own decoder).</summary>
    private static byte[] Apply(byte[] before, RegionEdit region)
    {
        var result = (byte[])before.Clone();
        var box = region.Box;
        var values = region.RunLengths.Zip(region.RunLabels).SelectMany(r => Enumerable.Repeat(r.Second, (int)r.First)).ToArray();
        Assert.Equal(box.VoxelCount, values.LongLength);
        var n = 0;
        for (var k = box.K0; k < box.K0 + box.SizeK; k++)
            for (var j = box.J0; j < box.J0 + box.SizeJ; j++)
                for (var i = box.I0; i < box.I0 + box.SizeI; i++)
                    result[Grid.Size.Index(i, j, k)] = values[n++];
        return result;
    }

    [Fact]
    public void SmallEditIsTheChangedBoxRunLengthEncoded()
    {
        var before = Volume.Create(Grid, VoxelType.UInt8);
        var after = Volume.Create(Grid, VoxelType.UInt8);
        for (var k = 10; k < 14; k++)
            for (var j = 50; j < 70; j++)
                for (var i = 30; i < 45; i++)
                    after.Buffer[Grid.Size.Index(i, j, k)] = (byte)(i < 40 ? 2 : 3);

        var edit = Assert.IsType<RegionEdit>(LabelEdits.Between(before, after));

        Assert.Equal(new VoxelBox(30, 50, 10, 15, 20, 4), edit.Box);
        Assert.Equal(2 * 20 * 4, edit.RunLengths.Length); // one run per label per row
        Assert.Equal(after.Buffer, Apply(before.Buffer, edit));
        Assert.True(edit.PayloadBytes < 1000);
        Assert.Null(LabelEdits.Between(before, before));
    }

    [Fact]
    public void LargeOrNoisyEditsGoAsTheWholeMap()
    {
        var before = Volume.Create(Grid, VoxelType.UInt8);
        var cleared = Volume.Create(Grid, VoxelType.UInt8);
        Array.Fill(before.Buffer, (byte)1);
        Assert.IsType<WholeMapEdit>(LabelEdits.Between(before, cleared));

        // A box of 40 % of the grid whose labels alternate voxel by voxel: the runs would outweigh the map.
        var noisy = Volume.Create(Grid, VoxelType.UInt8);
        for (var k = 0; k < 16; k++)
            for (var j = 0; j < 200; j++)
                for (var i = 0; i < 200; i++)
                    noisy.Buffer[Grid.Size.Index(i, j, k)] = (byte)((i + j + k) % 2 * 2);
        Assert.IsType<WholeMapEdit>(LabelEdits.Between(Volume.Create(Grid, VoxelType.UInt8), noisy));
    }
}
