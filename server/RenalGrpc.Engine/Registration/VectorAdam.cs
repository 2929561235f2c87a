namespace RenalGrpc.Engine.Registration;

/// <summary>
/// Adam (Kingma and Ba; PyTorch's defaults beta 0.9 / 0.999, eps 1e-8, no weight decay) on a
/// handful of parameters held in doubles. The registration's 12 affine parameters do not need
/// TorchSharp's optimizer, whose step makes Scalars implicitly (see HeldScalarTests); here the
/// update is plain arithmetic.
/// </summary>
public sealed class VectorAdam(int length, double learningRate, double beta1 = 0.9, double beta2 = 0.999, double epsilon = 1e-8)
{
    private readonly double[] firstMoment = new double[length];
    private readonly double[] secondMoment = new double[length];
    private int steps;

    /// <summary>Moves the parameters one step against the gradient (descent).</summary>
    public void Step(Span<double> parameters, ReadOnlySpan<double> gradient)
    {
        if (parameters.Length != firstMoment.Length || gradient.Length != firstMoment.Length)
            throw new ArgumentException($"Adam over {firstMoment.Length} parameters got {parameters.Length} parameters and {gradient.Length} gradients");
        steps++;
        double correction1 = 1 - Math.Pow(beta1, steps), correction2 = 1 - Math.Pow(beta2, steps);
        for (int n = 0; n < parameters.Length; n++)
        {
            firstMoment[n] = beta1 * firstMoment[n] + (1 - beta1) * gradient[n];
            secondMoment[n] = beta2 * secondMoment[n] + (1 - beta2) * gradient[n] * gradient[n];
            double denominator = Math.Sqrt(secondMoment[n] / correction2) + epsilon;
            parameters[n] -= learningRate * (firstMoment[n] / correction1) / denominator;
        }
    }
}
