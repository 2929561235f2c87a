using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace RenalGrpc.Engine.Model;

/// <summary>Shape of a <see cref="SubtypeClassifier"/>: ResNet widths and BasicBlocks per stage.</summary>
public sealed record SubtypeClassifierOptions
{
    /// <summary>N plus two contrast phases, as in the paper, plus the lesion mask (see PhaseTriplets).</summary>
    public int InputChannels { get; init; } = 4;
    public int Classes { get; init; } = 5;

    /// <summary>Small enough to train and run on a CPU (about 0.7 M parameters with 2 blocks per stage).</summary>
    public IReadOnlyList<int> Widths { get; init; } = new[] { 16, 32, 64, 128 };
    public IReadOnlyList<int> BlocksPerStage { get; init; } = new[] { 2, 2, 2, 2 };

    /// <summary>Whether a network of <paramref name="other"/> has this one's tensors (the lists compared by value).</summary>
    public bool SameShape(SubtypeClassifierOptions other) =>
        other is not null && InputChannels == other.InputChannels && Classes == other.Classes
        && Widths.SequenceEqual(other.Widths) && BlocksPerStage.SequenceEqual(other.BlocksPerStage);

    public void Validate()
    {
        if (InputChannels < 1) throw new ArgumentException($"input channels must be at least 1, got {InputChannels}");
        if (Classes < 2) throw new ArgumentException($"a classifier needs at least 2 classes, got {Classes}");
        if (Widths.Count < 1 || Widths.Count != BlocksPerStage.Count)
            throw new ArgumentException($"{Widths.Count} widths and {BlocksPerStage.Count} block counts: give one of each per stage");
        if (Widths.Any(w => w < 1) || BlocksPerStage.Any(b => b < 1))
            throw new ArgumentException("widths and block counts must be positive");
    }
}

/// <summary>
/// The paper's stage-2 subtype network on 2-D crops of the largest tumor slice: the stacked
/// phases go through a 1x1 convolution (the paper's channel mixer in front of an ImageNet
/// ResNet), a ResNet of BasicBlocks (first block of every stage after the first halves the
/// resolution), global average pooling and a linear layer. Input N x InputChannels x H x W; output N x 5
/// logits in the order ccRCC, pRCC, chRCC, oncocytoma, AML. Any H, W >= 1 works because the
/// pooling is global.
/// </summary>
public sealed class SubtypeClassifier : nn.Module<Tensor, Tensor>
{
    private readonly Conv2d phase_mixer;
    private readonly Conv2d stem_conv;
    private readonly HeldScalarBatchNorm2d stem_norm;
    private readonly ReLU stem_act;
    private readonly ModuleList<BasicBlock> blocks;
    private readonly AdaptiveAvgPool2d pool;
    private readonly Linear fc;

    public SubtypeClassifier(SubtypeClassifierOptions options) : base(nameof(SubtypeClassifier))
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        Options = options;
        phase_mixer = nn.Conv2d(options.InputChannels, 3, kernel_size: 1, bias: true);
        stem_conv = nn.Conv2d(3, options.Widths[0], kernel_size: 3, stride: 2, padding: 1, bias: false);
        stem_norm = new HeldScalarBatchNorm2d(options.Widths[0]);
        stem_act = nn.ReLU();
        blocks = new ModuleList<BasicBlock>();
        int channels = options.Widths[0];
        for (int s = 0; s < options.Widths.Count; s++)
        {
            for (int b = 0; b < options.BlocksPerStage[s]; b++)
            {
                int stride = s > 0 && b == 0 ? 2 : 1;
                blocks.Add(new BasicBlock(channels, options.Widths[s], stride));
                channels = options.Widths[s];
            }
        }
        pool = nn.AdaptiveAvgPool2d(1);
        fc = nn.Linear(channels, options.Classes);
        RegisterComponents();
    }

    public SubtypeClassifierOptions Options { get; }

    public override Tensor forward(Tensor input)
    {
        if (input.dim() != 4 || input.shape[1] != Options.InputChannels)
            throw new ArgumentException($"expected N x {Options.InputChannels} x H x W input, got [{string.Join(", ", input.shape)}]");
        var x = stem_act.forward(stem_norm.forward(stem_conv.forward(phase_mixer.forward(input))));
        foreach (var block in blocks) x = block.forward(x);
        return fc.forward(pool.forward(x).flatten(1));
    }
}

/// <summary>ResNet BasicBlock: two 3x3 conv-BN, identity shortcut or 1x1 conv-BN projection when the shape changes.</summary>
public sealed class BasicBlock : nn.Module<Tensor, Tensor>
{
    private readonly Conv2d conv1;
    private readonly HeldScalarBatchNorm2d bn1;
    private readonly Conv2d conv2;
    private readonly HeldScalarBatchNorm2d bn2;
    private readonly ReLU relu;
    private readonly Sequential? downsample;

    public BasicBlock(int inChannels, int outChannels, int stride) : base(nameof(BasicBlock))
    {
        conv1 = nn.Conv2d(inChannels, outChannels, kernel_size: 3, stride: stride, padding: 1, bias: false);
        bn1 = new HeldScalarBatchNorm2d(outChannels);
        conv2 = nn.Conv2d(outChannels, outChannels, kernel_size: 3, padding: 1, bias: false);
        bn2 = new HeldScalarBatchNorm2d(outChannels);
        relu = nn.ReLU();
        if (stride != 1 || inChannels != outChannels)
        {
            downsample = nn.Sequential(
                nn.Conv2d(inChannels, outChannels, kernel_size: 1, stride: stride, bias: false),
                new HeldScalarBatchNorm2d(outChannels));
        }
        RegisterComponents();
    }

    public override Tensor forward(Tensor input)
    {
        var residual = downsample is null ? input : downsample.forward(input);
        var x = relu.forward(bn1.forward(conv1.forward(input)));
        x = bn2.forward(conv2.forward(x));
        // Not `x + residual`: TorchSharp makes that call's alpha (1) as a temporary Scalar that nothing
        // keeps alive during the native add, and a finalizer freeing it mid-call was seen to fail
        // the add ("Expected false to be true" in Scalar::toFloat). `using` holds it until the add returns.
        using var one = 1.ToScalar();
        return relu.forward(x.add(residual, one));
    }
}
