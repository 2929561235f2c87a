using RenalGrpc.V1;

namespace RenalGrpc.Server.Tests;

public sealed partial class EditTests
{
    [Fact]
    public async Task EachRevisionCostsTheBudgetItsChangedBox_AndEveryOldRevisionComesBackExactly()
    {
        var studyId = await UploadAndAnalyzeAsync();
        var revisions = new List<byte[]> { AnalyzeLabels() };
        var memory = new List<long> { _server.MemoryUsedBytes };

        // Two brush strokes in different places, then a whole map identical to the latest (no change).
        var first = new VoxelBox { I0 = 5, J0 = 4, K0 = 3, SizeI = 7, SizeJ = 5, SizeK = 3 };
        var second = new VoxelBox { I0 = 30, J0 = 20, K0 = 8, SizeI = 4, SizeJ = 6, SizeK = 2 };
        foreach (var (box, label) in new[] { (first, (byte)2), (second, (byte)3) })
        {
            var edit = await SubmitAsync(Region(studyId, (uint)revisions.Count, box, [box.SizeI * box.SizeJ * box.SizeK], [label]));
            var next = (byte[])revisions[^1].Clone();
            for (var k = (int)box.K0; k < box.K0 + box.SizeK; k++)
                for (var j = (int)box.J0; j < box.J0 + box.SizeJ; j++)
                    for (var i = (int)box.I0; i < box.I0 + box.SizeI; i++)
                        next[Index(i, j, k)] = label;
            var changed = ExpectedChangedBox(revisions[^1], next);
            Assert.Equal((uint)revisions.Count + 1, edit.Revision);
            revisions.Add(next);
            memory.Add(_server.MemoryUsedBytes);
            // The budget grows by the changed box (the older labels kept there), not by another whole map.
            Assert.Equal(changed.SizeI * changed.SizeJ * changed.SizeK, memory[^1] - memory[^2]);
            Assert.True(memory[^1] - memory[^2] < revisions[0].Length / 4);
        }
        var same = await SubmitAsync(WholeMap(studyId, 3, revisions[^1]));
        revisions.Add(revisions[^1]);
        Assert.Equal(4u, same.Revision);
        Assert.Equal(memory[^1], _server.MemoryUsedBytes);

        for (var r = 1; r <= revisions.Count; r++)
        {
            var (header, labels) = await FetchAsync(studyId, (uint)r);
            Assert.Equal((uint)r, header.Revision);
            Assert.True(revisions[r - 1].AsSpan().SequenceEqual(labels), $"revision {r} differs from what was submitted");
        }
    }
}
