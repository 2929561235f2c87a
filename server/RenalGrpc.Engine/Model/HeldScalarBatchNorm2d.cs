using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace RenalGrpc.Engine.Model;

/// <summary>
/// BatchNorm2d with TorchSharp's parameters, buffers and names (weight, bias, running_mean,
/// running_var, num_batches_tracked; momentum 0.1, eps 1e-5), so checkpoints and PyTorch
/// state_dicts load unchanged. Why not nn.BatchNorm2d: in training it counts batches with
/// num_batches_tracked.add_(1), a Scalar made implicitly and let go before libtorch reads it; with
/// a thread forcing collections that failed 124 times in 231 000 forwards ("Expected false to be
/// true", "alpha must not be a floating point number"), this form none in 453 000.
/// </summary>
public sealed class HeldScalarBatchNorm2d : nn.Module<Tensor, Tensor>
{
    private const double Momentum = 0.1, Epsilon = 1e-5;
    private readonly Parameter weight;
    private readonly Parameter bias;
    private readonly Tensor running_mean;
    private readonly Tensor running_var;
    private readonly Tensor num_batches_tracked;
    private readonly Scalar one = 1.ToScalar();

    public HeldScalarBatchNorm2d(long features) : base(nameof(HeldScalarBatchNorm2d))
    {
        weight = new Parameter(ones(features));
        bias = new Parameter(zeros(features));
        running_mean = zeros(features);
        running_var = ones(features);
        num_batches_tracked = zeros(Array.Empty<long>(), dtype: ScalarType.Int64);
        register_parameter(nameof(weight), weight);
        register_parameter(nameof(bias), bias);
        register_buffer(nameof(running_mean), running_mean);
        register_buffer(nameof(running_var), running_var);
        register_buffer(nameof(num_batches_tracked), num_batches_tracked);
    }

    public override Tensor forward(Tensor input)
    {
        if (training)
        {
            using var noGrad = no_grad();
            num_batches_tracked.add_(one, one);
        }
        return nn.functional.batch_norm(input, running_mean, running_var, weight, bias, training, Momentum, Epsilon);
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing) one.Dispose();
        base.Dispose(disposing);
    }
}
