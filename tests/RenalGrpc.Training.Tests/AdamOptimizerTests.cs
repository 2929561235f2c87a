using RenalGrpc.Training.Optimization;
using TorchSharp;
using static TorchSharp.torch;

namespace RenalGrpc.Training.Tests;

/// <summary>Not in parallel with other classes: its networks draw from libtorch's global generator,
/// which the seeded-determinism tests (SegmentationTrainingTests) seed and then draw from.</summary>
[CollectionDefinition(nameof(AdamOptimizerTests), DisableParallelization = true)]
[Collection(nameof(AdamOptimizerTests))]
public sealed class AdamOptimizerTests
{
    private static nn.Module<Tensor, Tensor> Network() => nn.Sequential(nn.Linear(6, 8), nn.ReLU(), nn.Linear(8, 3));

    /// <summary>
    /// A second network with the first one's weights, copied: not manual_seed twice, since other
    /// tests running in parallel draw from the same global generator in between.
    /// </summary>
    private static nn.Module<Tensor, Tensor> TwinOf(nn.Module<Tensor, Tensor> network)
    {
        var twin = Network();
        using var noGrad = no_grad();
        foreach (var (source, target) in network.parameters().Zip(twin.parameters())) target.copy_(source);
        return twin;
    }

    private static void TrainStep(nn.Module<Tensor, Tensor> network, Action zeroGrad, Action step, int draw)
    {
        using var scope = NewDisposeScope();
        var generator = new Generator((ulong)(100 + draw));
        var x = randn(new long[] { 5, 6 }, generator: generator);
        var y = randint(0, 3, new long[] { 5 }, generator: generator);
        zeroGrad();
        nn.functional.cross_entropy(network.forward(x), y).backward();
        step();
    }

    private static float[] Weights(nn.Module<Tensor, Tensor> network) =>
        network.parameters().SelectMany(p => p.detach().contiguous().data<float>().ToArray()).ToArray();

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void MatchesTorchSharpsAdamAndAdamW(bool decoupled)
    {
        using var ours = Network();
        using var theirs = TwinOf(ours);
        Assert.Equal(Weights(theirs), Weights(ours));
        using var adam = new AdamOptimizer(ours.parameters(), 0.01, 0.05, decoupled);
        using var reference = decoupled
            ? (optim.Optimizer)optim.AdamW(theirs.parameters(), 0.01, weight_decay: 0.05)
            : optim.Adam(theirs.parameters(), 0.01, weight_decay: 0.05);
        var before = Weights(ours);
        for (int n = 0; n < 6; n++)
        {
            TrainStep(ours, adam.ZeroGrad, adam.Step, n);
            TrainStep(theirs, reference.zero_grad, () => reference.step(), n);
        }
        var a = Weights(ours);
        var b = Weights(theirs);
        Assert.True(a.Zip(before).Max(p => Math.Abs(p.First - p.Second)) > 1e-3, "the weights must move");
        Assert.True(a.Zip(b).Max(p => Math.Abs(p.First - p.Second)) < 1e-6, "the same arithmetic as TorchSharp's optimizer");
    }

    [Fact]
    public void SavedStateResumesExactlyAndAForeignFileIsRefused()
    {
        using var straight = Network();
        using var resumed = TwinOf(straight);
        using var adam = new AdamOptimizer(straight.parameters(), 0.01, 0.01, decoupledWeightDecay: true);
        for (int n = 0; n < 6; n++) TrainStep(straight, adam.ZeroGrad, adam.Step, n);

        var folder = Directory.CreateTempSubdirectory("adam-").FullName;
        try
        {
            var path = Path.Combine(folder, "optimizer.bin");
            using (var first = new AdamOptimizer(resumed.parameters(), 0.01, 0.01, decoupledWeightDecay: true))
            {
                for (int n = 0; n < 3; n++) TrainStep(resumed, first.ZeroGrad, first.Step, n);
                first.Save(path);
            }
            using var second = new AdamOptimizer(resumed.parameters(), 0.01, 0.01, decoupledWeightDecay: true);
            second.Load(path);
            for (int n = 3; n < 6; n++) TrainStep(resumed, second.ZeroGrad, second.Step, n);
            Assert.Equal(Weights(straight), Weights(resumed));

            using var other = nn.Linear(4, 2);
            using var mismatched = new AdamOptimizer(other.parameters(), 0.01, 0, decoupledWeightDecay: false);
            Assert.Contains("this model has 2", Assert.Throws<InvalidDataException>(() => mismatched.Load(path)).Message);
            var foreign = Path.Combine(folder, "foreign.bin");
            File.WriteAllBytes(foreign, new byte[] { 1, 2, 3 });
            Assert.Throws<InvalidDataException>(() => second.Load(foreign));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
