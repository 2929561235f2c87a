using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace RenalGrpc.Engine.Model;

/// <summary>
/// nnU-Net style 3-D U-Net: every stage is two (conv3d 3x3x3 - InstanceNorm3d(affine) - LeakyReLU)
/// blocks, down-sampling by the strided first convolution of a stage (as nnU-Net, no max-pool),
/// up-sampling by transposed convolution, skip connections by concatenation, and a 1x1x1
/// convolution to class logits. Input N x C x Z x Y x X with one channel per phase image; output
/// N x Classes x Z x Y x X logits (0 background, 1 kidney, 2 tumor, 3 cyst).
/// Field names are the state_dict keys (encoder.0.conv1.weight, upsamplers.0.weight, ...), so
/// weights saved by the same network in PyTorch load strictly.
/// </summary>
public sealed class SegmentationUNet : nn.Module<Tensor, Tensor>
{
    private readonly ModuleList<UNetStage> encoder;
    private readonly ModuleList<ConvTranspose3d> upsamplers;
    private readonly ModuleList<UNetStage> decoder;
    private readonly Conv3d seg_head;

    public SegmentationUNet(SegmentationUNetOptions options) : base(nameof(SegmentationUNet))
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        Options = options;
        var features = options.Features;
        int stages = features.Count;

        encoder = new ModuleList<UNetStage>();
        for (int s = 0; s < stages; s++)
        {
            int inChannels = s == 0 ? options.InputChannels : features[s - 1];
            encoder.Add(new UNetStage(inChannels, features[s], options.Strides[s], options.LeakyReluSlope));
        }

        // Decoder level d (0 = deepest) goes from stage (stages-1-d) up to stage (stages-2-d),
        // undoing that lower stage's stride.
        upsamplers = new ModuleList<ConvTranspose3d>();
        decoder = new ModuleList<UNetStage>();
        for (int lower = stages - 1; lower >= 1; lower--)
        {
            var stride = options.Strides[lower];
            var kernel = (stride[0], stride[1], stride[2]);
            upsamplers.Add(nn.ConvTranspose3d(features[lower], features[lower - 1],
                kernel_size: ((long)kernel.Item1, kernel.Item2, kernel.Item3),
                stride: ((long)kernel.Item1, kernel.Item2, kernel.Item3), bias: false));
            decoder.Add(new UNetStage(2 * features[lower - 1], features[lower - 1], new[] { 1, 1, 1 }, options.LeakyReluSlope));
        }
        seg_head = nn.Conv3d(features[0], options.Classes, kernel_size: (1L, 1L, 1L), bias: true);
        RegisterComponents();
    }

    public SegmentationUNetOptions Options { get; }

    public override Tensor forward(Tensor input)
    {
        if (input.dim() != 5 || input.shape[1] != Options.InputChannels)
            throw new ArgumentException($"expected N x {Options.InputChannels} x Z x Y x X input, got [{string.Join(", ", input.shape)}]");
        var divisor = Options.RequiredDivisor();
        for (int a = 0; a < 3; a++)
        {
            if (input.shape[2 + a] % divisor[a] != 0)
                throw new ArgumentException($"input size [{string.Join(", ", input.shape.Skip(2))}] must be a multiple of [{string.Join(", ", divisor)}] (pad it first)");
        }

        var skips = new List<Tensor>(encoder.Count);
        var x = input;
        foreach (var stage in encoder)
        {
            x = stage.forward(x);
            skips.Add(x);
        }
        for (int d = 0; d < decoder.Count; d++)
        {
            var up = upsamplers[d].forward(x);
            var skip = skips[skips.Count - 2 - d];
            x = decoder[d].forward(torch.cat(new[] { up, skip }, 1));
        }
        return seg_head.forward(x);
    }
}

/// <summary>Two conv3d - InstanceNorm3d(affine) - LeakyReLU blocks; the first conv carries the stage's stride.</summary>
public sealed class UNetStage : nn.Module<Tensor, Tensor>
{
    private readonly Conv3d conv1;
    private readonly InstanceNorm3d norm1;
    private readonly HeldSlopeLeakyRelu act1;
    private readonly Conv3d conv2;
    private readonly InstanceNorm3d norm2;
    private readonly HeldSlopeLeakyRelu act2;

    public UNetStage(int inChannels, int outChannels, int[] stride, double slope) : base(nameof(UNetStage))
    {
        conv1 = nn.Conv3d(inChannels, outChannels, kernel_size: (3L, 3L, 3L),
            stride: (stride[0], stride[1], stride[2]), padding: (1L, 1L, 1L), bias: true);
        norm1 = nn.InstanceNorm3d(outChannels, eps: 1e-5, affine: true);
        act1 = new HeldSlopeLeakyRelu(slope);
        conv2 = nn.Conv3d(outChannels, outChannels, kernel_size: (3L, 3L, 3L), padding: (1L, 1L, 1L), bias: true);
        norm2 = nn.InstanceNorm3d(outChannels, eps: 1e-5, affine: true);
        act2 = new HeldSlopeLeakyRelu(slope);
        RegisterComponents();
    }

    public override Tensor forward(Tensor input) =>
        act2.forward(norm2.forward(conv2.forward(act1.forward(norm1.forward(conv1.forward(input))))));
}
