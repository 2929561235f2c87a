using RenalGrpc.Engine.Inference;

namespace RenalGrpc.Engine.Tests.Inference;

public sealed class GaussianWeightsTests
{
    [Fact]
    public void PeakIsOneAtTheCentreAndTheMapIsMirrorSymmetric()
    {
        var w = GaussianWeights.CreateArray(new[] { 5, 7, 9 });
        float At(int z, int y, int x) => w[(z * 7 + y) * 9 + x];
        Assert.Equal(1f, At(2, 3, 4));
        Assert.Equal(1f, w.Max());
        Assert.Equal(At(0, 1, 2), At(4, 5, 6), 6);
        // sigma = 9/8 along x: one voxel off the centre is exp(-1 / (2 * 1.265625)).
        Assert.Equal(Math.Exp(-1 / (2 * 1.125 * 1.125)), At(2, 3, 5), 5);
    }

    [Fact]
    public void UnderflowedCornersAreRaisedToTheSmallestPositiveValue()
    {
        // A tiny sigma makes the corners underflow to 0 in float32.
        var w = GaussianWeights.CreateArray(new[] { 64, 64 }, sigmaScale: 1.0 / 64);
        Assert.All(w, v => Assert.True(v > 0));
        float smallest = w.Min();
        Assert.Equal(smallest, w[0]);
        Assert.True(w.Count(v => v == smallest) > 100); // many were clamped, not only the far corner
    }

    [Fact]
    public void TensorHasTheTileShape()
    {
        using var t = GaussianWeights.Create(new[] { 4, 6, 8 });
        Assert.Equal(new long[] { 4, 6, 8 }, t.shape);
    }
}
