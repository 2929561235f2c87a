using RenalGrpc.Engine.Inference;

namespace RenalGrpc.Engine.Tests.Inference;

public sealed class TilePlannerTests
{
    [Fact]
    public void StartsAreEvenFirstAtZeroLastFlushWithTheEdge()
    {
        var plan = TilePlanner.Plan(new[] { 100, 96, 200 }, new[] { 32, 96, 96 });
        // nnU-Net's rule: ceil((100-32)/16) + 1 = 6 tiles, step 68/5 = 13.6, rounded half to even.
        Assert.Equal(new[] { 0, 14, 27, 41, 54, 68 }, plan.Starts[0]);
        Assert.Equal(new[] { 0 }, plan.Starts[1]);
        Assert.Equal(new[] { 0, 35, 69, 104 }, plan.Starts[2]); // ceil(104/48) + 1 = 4, step 34.67
        Assert.False(plan.NeedsPadding);
        Assert.Equal(24, plan.TileCount);
        Assert.Equal(24, plan.TileStarts().Distinct(new SequenceComparer()).Count());
        Assert.Equal(new[] { 68, 0, 104 }, plan.TileStarts().Last());
    }

    [Fact]
    public void ImageSmallerThanTileIsPaddedAndThePaddingRecorded()
    {
        var plan = TilePlanner.Plan(new[] { 13, 50, 96 }, new[] { 32, 96, 96 });
        Assert.Equal(new[] { 9, 23, 0 }, plan.PadBefore);
        Assert.Equal(new[] { 10, 23, 0 }, plan.PadAfter);
        Assert.Equal(new[] { 32, 96, 96 }, plan.PaddedShape);
        Assert.Equal(1, plan.TileCount);
    }

    [Fact]
    public void EveryVoxelIsCoveredAndStepNeverExceedsTheFraction()
    {
        foreach (int size in new[] { 33, 64, 65, 127, 300 })
        {
            var starts = TilePlanner.AxisStarts(size, 32, 0.5);
            Assert.Equal(0, starts[0]);
            Assert.Equal(size - 32, starts[^1]);
            for (int n = 1; n < starts.Length; n++) Assert.InRange(starts[n] - starts[n - 1], 1, 16);
        }
    }

    [Fact]
    public void BadArgumentsAreRefusedWithAReason()
    {
        Assert.Throws<ArgumentException>(() => TilePlanner.Plan(new[] { 10, 10 }, new[] { 4, 4, 4 }));
        Assert.Throws<ArgumentException>(() => TilePlanner.Plan(new[] { 10, 10, 10 }, new[] { 4, 4, 4 }, 0));
        Assert.Throws<ArgumentException>(() => TilePlanner.Plan(new[] { 10, 0, 10 }, new[] { 4, 4, 4 }));
    }

    private sealed class SequenceComparer : IEqualityComparer<int[]>
    {
        public bool Equals(int[]? x, int[]? y) => x!.SequenceEqual(y!);
        public int GetHashCode(int[] obj) => obj.Aggregate(17, (h, v) => h * 31 + v);
    }
}
