using RenalGrpc.Engine.Inference;
using RenalGrpc.Engine.Model;
using RenalGrpc.Engine.Tests.Model;
using TorchSharp;
using static TorchSharp.torch;

namespace RenalGrpc.Engine.Tests.Inference;

public sealed class InferencePrecisionTests
{
    [Fact]
    public void BFloat16CopyHasTheSameWeightsRoundedAndLeavesTheSourceInFloat32()
    {
        using var scope = NewDisposeScope();
        using var source = new SegmentationUNet(ModelArchitectureTests.TinyUNet);
        using var copy = PrecisionCopy.Of(source, InferencePrecision.BFloat16);
        var sourceWeights = source.state_dict();
        var copyWeights = copy.state_dict();
        Assert.Equal(sourceWeights.Keys.Order(), copyWeights.Keys.Order());
        foreach (var (name, weight) in sourceWeights)
        {
            Assert.Equal(ScalarType.Float32, weight.dtype);
            if (!weight.is_floating_point()) continue;
            Assert.Equal(ScalarType.BFloat16, copyWeights[name].dtype);
            // bfloat16 keeps 8 significant bits: a relative rounding error of at most 2^-8.
            var back = copyWeights[name].to(ScalarType.Float32);
            Assert.True(back.allclose(weight, rtol: 1.0 / 256, atol: 1e-30), name);
        }
        Assert.False(copy.training);
    }

    [Fact]
    public void BFloat16WindowGivesFloat32ProbabilitiesCloseToTheFloat32Window()
    {
        using var scope = NewDisposeScope();
        using var source = new SegmentationUNet(ModelArchitectureTests.TinyUNet);
        source.eval();
        using var copy = PrecisionCopy.Of(source, InferencePrecision.BFloat16);
        var image = randn(new long[] { 1, 8, 24, 24 }, generator: new Generator(5));
        var options = new SlidingWindowOptions { TileShape = new[] { 4, 16, 16 }, MirrorAxes = new[] { 2 } };

        var reference = new SlidingWindowPredictor(source, options).Predict(image);
        var reduced = new SlidingWindowPredictor(copy, options).Predict(image);

        Assert.Equal(ScalarType.Float32, reduced.dtype);
        Assert.Equal(reference.shape, reduced.shape);
        Assert.True(reduced.sum(dim: 0).allclose(ones(new long[] { 8, 24, 24 }), atol: 1e-5));
        double worst = (reduced - reference).abs().max().item<float>();
        Assert.InRange(worst, 1e-7, 0.05); // not identical (the copy really runs in bfloat16), but close
    }

    [Fact]
    public void Float32CopyComputesExactlyWhatTheSourceDoes()
    {
        using var scope = NewDisposeScope();
        using var source = new SegmentationUNet(ModelArchitectureTests.TinyUNet);
        using var copy = PrecisionCopy.Of(source, InferencePrecision.Float32);
        Assert.All(copy.parameters(), p => Assert.Equal(ScalarType.Float32, p.dtype));
        var input = randn(new long[] { 1, 1, 4, 16, 16 }, generator: new Generator(3));
        source.eval();
        using var noGrad = no_grad();
        Assert.True(copy.forward(input).allclose(source.forward(input), rtol: 0, atol: 0));
    }
}
