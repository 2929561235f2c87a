using RenalGrpc.Imaging;
using RenalGrpc.Imaging.Components;
using RenalGrpc.Server.Storage;

namespace RenalGrpc.Server.Tests.Storage;

public sealed class RevisionUndoTests
{
    private static readonly Geometry Grid = Geometry.Axial(new GridSize(23, 17, 9), new Vec3(1, 1, 2), new Vec3(0, 0, 0));

    private static Volume Labels(byte[] voxels) => new(Grid, VoxelType.UInt8, voxels);

    [Fact]
    public void UndoKeepsTheSmallestBoxOfChangesAndRestoresTheOlderLabels()
    {
        var random = new Random(11);
        var older = new byte[Grid.VoxelCount];
        random.NextBytes(older);
        var newer = (byte[])older.Clone();
        // Changes at (3, 5, 2), (10, 2, 6) and (7, 16, 4): the box spans them, corners included.
        foreach (var (i, j, k) in new[] { (3, 5, 2), (10, 2, 6), (7, 16, 4) })
            newer[Grid.Size.Index(i, j, k)] ^= 0x5a;

        var undo = RevisionUndo.Between(Labels(older), Labels(newer));
        var restored = (byte[])newer.Clone();
        undo.ApplyTo(restored, Grid.Size);

        Assert.Equal(new VoxelBounds(3, 2, 2, 11, 17, 7), undo.Box);
        Assert.Equal((ulong)(8 * 15 * 5), undo.Bytes);
        Assert.Equal(older, restored);
    }

    [Fact]
    public void IdenticalRevisionsNeedNoBytes_AndAChangeInTheLastVoxelOfARowIsFound()
    {
        var older = new byte[Grid.VoxelCount];
        Assert.Equal(0UL, RevisionUndo.Between(Labels(older), Labels((byte[])older.Clone())).Bytes);

        var newer = (byte[])older.Clone();
        newer[Grid.Size.Index(22, 16, 8)] = 2;
        var undo = RevisionUndo.Between(Labels(older), Labels(newer));
        Assert.Equal(new VoxelBounds(22, 16, 8, 23, 17, 9), undo.Box);
        Assert.Equal(new byte[] { 0 }, undo.Labels);
    }

    [Fact]
    public void RevisionsOnDifferentGridsAreRefused()
    {
        var other = Geometry.Axial(new GridSize(23, 17, 8), new Vec3(1, 1, 2), new Vec3(0, 0, 0));
        Assert.Throws<ArgumentException>(() => RevisionUndo.Between(Labels(new byte[Grid.VoxelCount]),
            new Volume(other, VoxelType.UInt8, new byte[other.VoxelCount])));
    }
}
