using RenalGrpc.Engine.Model;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace RenalGrpc.Engine.Tests.Model;

public sealed class ModelArchitectureTests(ITestOutputHelper output)
{
    internal static readonly SegmentationUNetOptions TinyUNet = new()
    {
        InputChannels = 1,
        Features = new[] { 4, 8, 16 },
        Strides = new[] { new[] { 1, 1, 1 }, new[] { 1, 2, 2 }, new[] { 2, 2, 2 } },
    };

    private static long ParameterCount(nn.Module module) => module.parameters().Sum(p => p.numel());

    [Fact]
    public void UNetOutputsOneLogitPerClassAtInputResolution()
    {
        using var scope = NewDisposeScope();
        using var net = new SegmentationUNet(TinyUNet);
        net.eval();
        using var noGrad = no_grad();
        var logits = net.forward(randn(new long[] { 2, 1, 4, 8, 12 }));
        Assert.Equal(new long[] { 2, 4, 4, 8, 12 }, logits.shape);
    }

    [Fact]
    public void DefaultUNetAndClassifierParameterCountsAreReported()
    {
        using var unet = new SegmentationUNet(new SegmentationUNetOptions());
        using var classifier = new SubtypeClassifier(new SubtypeClassifierOptions());
        long unetCount = ParameterCount(unet), classifierCount = ParameterCount(classifier);
        output.WriteLine($"SegmentationUNet 16-32-64-128, 1 input channel: {unetCount:N0} parameters");
        output.WriteLine($"SubtypeClassifier 16-32-64-128 x [2,2,2,2], 4 input channels: {classifierCount:N0} parameters");
        // 3x3x3 convs dominate: stage widths 16-32-64-128 give about 1.4 M (PLATFORM.md measured 1.4 M with 4 inputs).
        Assert.InRange(unetCount, 1_200_000, 1_600_000);
        // ResNet-18 layout at a quarter of its widths: about 0.7 M (PLATFORM.md: 0.3 M trains in seconds).
        Assert.InRange(classifierCount, 600_000, 800_000);
    }

    [Fact]
    public void StateDictKeysFollowPyTorchNaming()
    {
        using var net = new SegmentationUNet(TinyUNet);
        var keys = net.state_dict().Keys.ToHashSet();
        Assert.Contains("encoder.0.conv1.weight", keys);
        Assert.Contains("encoder.2.norm2.bias", keys);
        Assert.Contains("upsamplers.1.weight", keys);
        Assert.Contains("decoder.0.conv2.bias", keys);
        Assert.Contains("seg_head.weight", keys);
        // affine InstanceNorm without running statistics, as nnU-Net: no buffers.
        Assert.DoesNotContain(keys, k => k.Contains("running_mean"));
    }

    [Fact]
    public void UNetRefusesSizesThatAreNotMultiplesOfItsStrides()
    {
        using var net = new SegmentationUNet(TinyUNet);
        using var input = zeros(new long[] { 1, 1, 3, 8, 8 });
        var error = Assert.Throws<ArgumentException>(() => net.forward(input));
        Assert.Contains("multiple of [2, 4, 4]", error.Message);
    }

    [Fact]
    public void ClassifierGivesFiveLogitsForAnyCropSize()
    {
        using var scope = NewDisposeScope();
        using var net = new SubtypeClassifier(new SubtypeClassifierOptions { Widths = new[] { 4, 8 }, BlocksPerStage = new[] { 1, 1 } });
        net.eval();
        using var noGrad = no_grad();
        Assert.Equal(new long[] { 3, 5 }, net.forward(randn(new long[] { 3, 4, 32, 32 })).shape);
        Assert.Equal(new long[] { 1, 5 }, net.forward(randn(new long[] { 1, 4, 17, 23 })).shape);
        Assert.Contains("blocks.1.downsample.0.weight", net.state_dict().Keys);
    }
}
