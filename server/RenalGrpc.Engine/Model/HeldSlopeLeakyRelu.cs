using TorchSharp;
using static TorchSharp.torch;

namespace RenalGrpc.Engine.Model;

/// <summary>
/// LeakyReLU whose slope Scalar lives as long as the module. TorchSharp's nn.LeakyReLU converts
/// its double slope to a new Scalar on every forward and lets it go before libtorch reads it, so a
/// collection on another thread can free it mid-call (see HeldScalarTests). No parameters, so the
/// state_dict is that of nn.LeakyReLU: nothing.
/// </summary>
public sealed class HeldSlopeLeakyRelu : nn.Module<Tensor, Tensor>
{
    private readonly Scalar slope;

    public HeldSlopeLeakyRelu(double negativeSlope) : base(nameof(HeldSlopeLeakyRelu))
    {
        slope = negativeSlope.ToScalar();
    }

    public override Tensor forward(Tensor input) => input.leaky_relu(slope);

    protected override void Dispose(bool disposing)
    {
        if (disposing) slope.Dispose();
        base.Dispose(disposing);
    }
}
