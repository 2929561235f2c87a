using RenalGrpc.Engine.Inference;
using RenalGrpc.Engine.Model;
using RenalGrpc.Engine.Tests.Model;
using TorchSharp;
using static TorchSharp.torch;

namespace RenalGrpc.Engine.Tests.Inference;

public sealed class SlidingWindowPredictorTests
{
    /// <summary>A "network" whose logits depend only on each voxel's own value: every tile agrees, so blending must reproduce it exactly.</summary>
    private sealed class VoxelwiseNet : nn.Module<Tensor, Tensor>
    {
        public VoxelwiseNet() : base(nameof(VoxelwiseNet)) { }
        public override Tensor forward(Tensor x) => cat(new[] { x, -x, 2 * x }, 1);
    }

    [Fact]
    public void BlendingTilesOfAVoxelwiseNetEqualsOneWholeImagePass()
    {
        using var scope = NewDisposeScope();
        var image = randn(new long[] { 1, 10, 21, 30 });
        var predictor = new SlidingWindowPredictor(new VoxelwiseNet(), new SlidingWindowOptions { TileShape = new[] { 8, 8, 16 }, MirrorAxes = new[] { 1, 2 } });
        var probabilities = predictor.Predict(image);
        var expected = cat(new[] { image, -image, 2 * image }, 0).softmax(0);
        Assert.Equal(new long[] { 3, 10, 21, 30 }, probabilities.shape);
        Assert.True(probabilities.allclose(expected, rtol: 1e-4, atol: 1e-5));
    }

    [Fact]
    public void OddSizedImageSmallerThanTheTileIsPaddedAndCroppedBack()
    {
        using var scope = NewDisposeScope();
        using var net = new SegmentationUNet(ModelArchitectureTests.TinyUNet);
        var image = randn(new long[] { 1, 5, 13, 19 });
        var fractions = new List<double>();
        var predictor = new SlidingWindowPredictor(net, new SlidingWindowOptions { TileShape = new[] { 4, 16, 16 }, Accumulation = TileAccumulation.Logits });
        var probabilities = predictor.Predict(image, progress: fractions.Add);
        Assert.Equal(new long[] { 4, 5, 13, 19 }, probabilities.shape);
        Assert.True(probabilities.sum(dim: 0).allclose(ones(new long[] { 5, 13, 19 }), atol: 1e-5));
        Assert.Equal(2 * 1 * 2, fractions.Count); // z 5: starts 0,1; y 13 padded to 16: one; x 19: starts 0,3
        Assert.Equal(1.0, fractions[^1]);
        Assert.True(fractions.Zip(fractions.Skip(1)).All(p => p.Second > p.First));
    }

    [Fact]
    public void CancellationStopsBetweenTiles()
    {
        using var scope = NewDisposeScope();
        using var cancel = new CancellationTokenSource();
        int tiles = 0;
        var predictor = new SlidingWindowPredictor(new VoxelwiseNet(), new SlidingWindowOptions { TileShape = new[] { 4, 4, 4 } });
        Assert.Throws<OperationCanceledException>(() => predictor.Predict(zeros(new long[] { 1, 16, 16, 16 }), cancel.Token, _ =>
        {
            if (++tiles == 3) cancel.Cancel();
        }));
        Assert.Equal(3, tiles);
    }

    [Fact]
    public void TileThatTheNetworkCannotTakeIsRefusedUpFront()
    {
        using var net = new SegmentationUNet(ModelArchitectureTests.TinyUNet);
        var error = Assert.Throws<ArgumentException>(() => new SlidingWindowPredictor(net, new SlidingWindowOptions { TileShape = new[] { 4, 10, 16 } }));
        Assert.Contains("multiple", error.Message);
    }
}
