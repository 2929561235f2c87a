using RenalGrpc.Engine.Analysis;
using RenalGrpc.Engine.Model;
using RenalGrpc.Engine.Tests.Support;
using TorchSharp;
using static TorchSharp.torch;

namespace RenalGrpc.Engine.Tests;

/// <summary>
/// Every native call the engine makes with a Scalar must hold that Scalar itself (see
/// <see cref="UnheldScalarScan"/>): otherwise a collection on another thread of the server can
/// free it mid-call, and a sliding-window accumulation or a registration step silently uses garbage.
/// </summary>
public sealed class HeldScalarTests
{
    [Fact]
    public void TheEngineHandsNativeCodeNoUnheldScalar() => UnheldScalarScan.AssertNone(typeof(StudyAnalyzer).Assembly);

    [Fact]
    public void TheScanFlagsTheKnownTraps()
    {
        // Guards the scanner itself: each of these leaves a Scalar unheld.
        Assert.NotNull(UnheldScalarScan.Reason(typeof(Scalar).GetMethod("op_Implicit", new[] { typeof(double) })!));
        Assert.NotNull(UnheldScalarScan.Reason(typeof(Tensor).GetMethod("add_", new[] { typeof(Tensor) })!));
        Assert.NotNull(UnheldScalarScan.Reason(typeof(Tensor).GetMethod("op_Subtraction", new[] { typeof(int), typeof(Tensor) })!));
        Assert.NotNull(UnheldScalarScan.Reason(typeof(Tensor).GetMethod("op_Multiply", new[] { typeof(Tensor), typeof(double) })!));
        Assert.NotNull(UnheldScalarScan.Reason(typeof(nn).GetMethod("LeakyReLU")!));
        Assert.NotNull(UnheldScalarScan.Reason(typeof(optim).GetMethods().First(m => m.Name == "Adam")));
        Assert.NotNull(UnheldScalarScan.Reason(typeof(nn).GetMethods().First(m => m.Name == "BatchNorm2d")));
        Assert.Null(UnheldScalarScan.Reason(typeof(Tensor).GetMethod("add_", new[] { typeof(Tensor), typeof(Scalar) })!));
        Assert.Null(UnheldScalarScan.Reason(typeof(Tensor).GetMethod("op_Multiply", new[] { typeof(Tensor), typeof(Tensor) })!));
        var found = UnheldScalarScan.Find(typeof(HeldScalarTests).Assembly);
        Assert.Contains(found, f => f.Contains(nameof(UnheldOnPurpose), StringComparison.Ordinal));
    }

    [Fact]
    public void HeldScalarBatchNormMatchesTorchSharpsInTrainingAndEvaluation()
    {
        using var scope = NewDisposeScope();
        using var theirs = nn.BatchNorm2d(3);
        using var ours = new HeldScalarBatchNorm2d(3);
        Assert.Equal(theirs.state_dict().Select(p => (p.Key, p.Value.dtype, string.Join(",", p.Value.shape))),
            ours.state_dict().Select(p => (p.Key, p.Value.dtype, string.Join(",", p.Value.shape))));
        var generator = new Generator(11);
        using var spread = 2.5.ToScalar();
        for (int n = 0; n < 3; n++)
        {
            var x = randn(new long[] { 4, 3, 5, 5 }, generator: generator).mul(spread);
            Assert.True(allclose(theirs.forward(x), ours.forward(x), 1e-5, 1e-6));
        }
        foreach (var (name, value) in theirs.state_dict())
            Assert.True(allclose(value.to(ScalarType.Float64), ours.state_dict()[name].to(ScalarType.Float64)), name);
        Assert.Equal(3L, ours.state_dict()["num_batches_tracked"].item<long>());
        theirs.eval();
        ours.eval();
        var y = randn(new long[] { 2, 3, 5, 5 }, generator: generator);
        Assert.True(allclose(theirs.forward(y), ours.forward(y), 1e-5, 1e-6));
        Assert.Equal(3L, ours.state_dict()["num_batches_tracked"].item<long>());

        using var slope = new HeldSlopeLeakyRelu(0.01);
        using var leaky = nn.LeakyReLU(0.01);
        Assert.True(leaky.forward(y).allclose(slope.forward(y), 0, 0));
    }

    // Never run: the scan above must find it.
    private static Tensor UnheldOnPurpose(Tensor t) => t.add_(t);
}
