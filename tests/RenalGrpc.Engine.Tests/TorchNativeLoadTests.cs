using TorchSharp;
using static TorchSharp.torch;

namespace RenalGrpc.Engine.Tests;

/// <summary>
/// Guards the GLIBCXX patch in Directory.Build.targets: if libLibTorchSharp.so cannot load on
/// this distribution, these tests fail instead of the server at start-up.
/// </summary>
public sealed class TorchNativeLoadTests
{
    [Fact]
    public void Conv3dRunsOnCpuAndMatchesAHandComputedSum()
    {
        using var scope = NewDisposeScope();
        using var conv = nn.Conv3d(1, 1, 3, padding: 1, bias: false);
        using (no_grad())
        {
            conv.weight!.fill_(1.0f);
        }
        var input = ones(new long[] { 1, 1, 4, 4, 4 });
        var output = conv.forward(input);
        Assert.Equal(new long[] { 1, 1, 4, 4, 4 }, output.shape);
        // An interior voxel sums its full 3x3x3 neighbourhood of ones; a corner only 2x2x2.
        Assert.Equal(27f, output[0, 0, 1, 1, 1].item<float>());
        Assert.Equal(8f, output[0, 0, 0, 0, 0].item<float>());
    }

    [Fact]
    public void BackwardProducesGradients()
    {
        using var scope = NewDisposeScope();
        var x = randn(new long[] { 2, 3 }, requires_grad: true);
        var loss = (x * x).sum();
        loss.backward();
        var expected = x.detach() * 2;
        Assert.True(x.grad!.allclose(expected));
    }
}
