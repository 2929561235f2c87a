using RenalGrpc.Imaging;
using RenalGrpc.Imaging.Components;
using RenalGrpc.Server.Editing;
using RenalGrpc.Server.Storage;

namespace RenalGrpc.Server.Tests.Storage;

/// <summary>The box an edit changed (as the server computes it) and the older labels kept there give the older revision back.</summary>
public sealed class RevisionUndoTests
{
    private static readonly Geometry Grid = Geometry.Axial(new GridSize(23, 17, 9), new Vec3(1, 1, 2), new Vec3(0, 0, 0));

    private static Volume Labels(byte[] voxels) => new(Grid, VoxelType.UInt8, voxels);

    private static RevisionUndo Undo(byte[] older, byte[] newer) =>
        RevisionUndo.Of(Labels(older), LabelEdits.ChangedRegion(Labels(older), Labels(newer)).ToBounds());

    [Fact]
    public void UndoKeepsTheOlderLabelsInTheChangedBox_AndRestoresThem()
    {
        var random = new Random(11);
        var older = new byte[Grid.VoxelCount];
        random.NextBytes(older);
        var newer = (byte[])older.Clone();
        // Changes at (3, 5, 2), (10, 2, 6) and (7, 16, 4): the box spans them, corners included.
        foreach (var (i, j, k) in new[] { (3, 5, 2), (10, 2, 6), (7, 16, 4) })
            newer[Grid.Size.Index(i, j, k)] ^= 0x5a;

        var undo = Undo(older, newer);
        var restored = (byte[])newer.Clone();
        undo.ApplyTo(restored, Grid.Size);

        Assert.Equal(new VoxelBounds(3, 2, 2, 11, 17, 7), undo.Box);
        Assert.Equal((ulong)(8 * 15 * 5), undo.Bytes);
        Assert.Equal(older, restored);
    }

    [Fact]
    public void NoChangeNeedsNoBytes_AndAChangeInTheGridsLastVoxelIsKept()
    {
        var older = new byte[Grid.VoxelCount];
        Assert.Equal(0UL, Undo(older, (byte[])older.Clone()).Bytes);

        var newer = (byte[])older.Clone();
        newer[Grid.Size.Index(22, 16, 8)] = 2;
        var undo = Undo(older, newer);
        Assert.Equal(new VoxelBounds(22, 16, 8, 23, 17, 9), undo.Box);
        Assert.Equal(new byte[] { 0 }, undo.Labels);
    }

    [Fact]
    public void ABoxOutsideTheGridIsRefused() =>
        Assert.Throws<ArgumentException>(() => RevisionUndo.Of(Labels(new byte[Grid.VoxelCount]), new VoxelBounds(20, 0, 0, 24, 1, 1)));
}
