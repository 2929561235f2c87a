using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace RenalGrpc.Training.Optimization;

/// <summary>
/// Adam with L2 weight decay (PyTorch's Adam) or decoupled weight decay (AdamW), the arithmetic
/// of TorchSharp's own optimizers with every Scalar held for the duration of its native call.
/// TorchSharp's step() makes its Scalars implicitly and lets them go before libtorch reads them;
/// a collection on another thread can then free one mid-call (HeldScalarTests).
/// State (moments and step count) saves to and loads from one file, for resumable runs.
/// </summary>
public sealed class AdamOptimizer : IDisposable
{
    private const string Magic = "RenalGrpc.Adam/1";
    private readonly Parameter[] parameters;
    private readonly Tensor[] firstMoments;
    private readonly Tensor[] secondMoments;
    private readonly double weightDecay, beta1, beta2, epsilon;
    private readonly bool decoupledWeightDecay;
    private long steps;

    public AdamOptimizer(IEnumerable<Parameter> parameters, double learningRate, double weightDecay, bool decoupledWeightDecay,
        double beta1 = 0.9, double beta2 = 0.999, double epsilon = 1e-8)
    {
        this.parameters = parameters.ToArray();
        if (this.parameters.Any(p => p.dtype != ScalarType.Float32))
            throw new ArgumentException("Adam here trains float32 parameters only");
        LearningRate = learningRate;
        this.weightDecay = weightDecay;
        this.decoupledWeightDecay = decoupledWeightDecay;
        this.beta1 = beta1;
        this.beta2 = beta2;
        this.epsilon = epsilon;
        firstMoments = this.parameters.Select(p => zeros_like(p).DetachFromDisposeScope()).ToArray();
        secondMoments = this.parameters.Select(p => zeros_like(p).DetachFromDisposeScope()).ToArray();
    }

    public double LearningRate { get; set; }

    public void ZeroGrad()
    {
        foreach (var parameter in parameters)
        {
            using var grad = parameter.grad;
            if (grad is null) continue;
            grad.detach_();
            grad.zero_();
        }
    }

    public void Step()
    {
        using var noGrad = no_grad();
        steps++;
        double correction1 = 1 - Math.Pow(beta1, steps), correction2 = 1 - Math.Pow(beta2, steps);
        using var one = 1.ToScalar();
        using var keep1 = beta1.ToScalar();
        using var take1 = (1 - beta1).ToScalar();
        using var keep2 = beta2.ToScalar();
        using var take2 = (1 - beta2).ToScalar();
        using var rootCorrection2 = Math.Sqrt(correction2).ToScalar();
        using var eps = epsilon.ToScalar();
        using var negativeStepSize = (-LearningRate / correction1).ToScalar();
        using var decay = weightDecay.ToScalar();
        using var shrink = (1 - LearningRate * weightDecay).ToScalar();
        for (int n = 0; n < parameters.Length; n++)
        {
            using var scope = NewDisposeScope();
            var parameter = parameters[n];
            var grad = parameter.grad;
            if (grad is null) continue;
            if (weightDecay != 0)
            {
                if (decoupledWeightDecay) parameter.mul_(shrink);
                else grad = grad.add(parameter, decay);
            }
            firstMoments[n].mul_(keep1).add_(grad, take1);
            secondMoments[n].mul_(keep2).addcmul_(grad, grad, take2);
            var denominator = secondMoments[n].sqrt().div(rootCorrection2).add_(eps, one);
            parameter.addcdiv_(firstMoments[n], denominator, negativeStepSize);
        }
    }

    public void Save(string path)
    {
        using var writer = new BinaryWriter(File.Create(path));
        writer.Write(Magic);
        writer.Write(parameters.Length);
        writer.Write(steps);
        foreach (var moments in new[] { firstMoments, secondMoments })
        {
            foreach (var moment in moments)
            {
                var values = moment.contiguous().data<float>().ToArray();
                writer.Write(values.Length);
                foreach (var v in values) writer.Write(v);
            }
        }
    }

    /// <summary>Restores a saved state; a file of another optimizer or model is a clear error.</summary>
    public void Load(string path)
    {
        using var reader = new BinaryReader(File.OpenRead(path));
        string magic;
        try { magic = reader.ReadString(); }
        catch (Exception e) when (e is EndOfStreamException or IOException) { throw new InvalidDataException($"{path} is not an optimizer state of this version"); }
        if (magic != Magic) throw new InvalidDataException($"{path} is not an optimizer state of this version (a run saved by an older build cannot resume; start a new output folder)");
        int count = reader.ReadInt32();
        if (count != parameters.Length) throw new InvalidDataException($"{path} holds the state of {count} parameters, this model has {parameters.Length}");
        long savedSteps = reader.ReadInt64();
        using var noGrad = no_grad();
        foreach (var moments in new[] { firstMoments, secondMoments })
        {
            foreach (var moment in moments)
            {
                int length = reader.ReadInt32();
                if (length != moment.numel()) throw new InvalidDataException($"{path}: a saved moment of {length} values for a parameter of {moment.numel()}");
                var values = new float[length];
                for (int v = 0; v < length; v++) values[v] = reader.ReadSingle();
                using var saved = tensor(values, moment.shape);
                moment.copy_(saved);
            }
        }
        steps = savedSteps;
    }

    public void Dispose()
    {
        foreach (var moment in firstMoments.Concat(secondMoments)) moment.Dispose();
    }
}
