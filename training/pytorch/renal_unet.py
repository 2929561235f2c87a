"""RenalGrpc's stage-1 network in PyTorch: the same module tree and state_dict names as
server/RenalGrpc.Engine/Model/SegmentationUNet.cs, so `torch.save(net.state_dict(), f)` loads into
the server through TorchSharp.PyBridge (PyTorchWeightsImport) with strict key and shape checks."""
import torch
from torch import nn


class UNetStage(nn.Module):
    """Two conv3d 3x3x3 - InstanceNorm3d(affine) - LeakyReLU blocks; the first conv carries the stride."""

    def __init__(self, in_channels, out_channels, stride, slope):
        super().__init__()
        self.conv1 = nn.Conv3d(in_channels, out_channels, 3, stride=tuple(stride), padding=1, bias=True)
        self.norm1 = nn.InstanceNorm3d(out_channels, eps=1e-5, affine=True)
        self.act1 = nn.LeakyReLU(slope)
        self.conv2 = nn.Conv3d(out_channels, out_channels, 3, padding=1, bias=True)
        self.norm2 = nn.InstanceNorm3d(out_channels, eps=1e-5, affine=True)
        self.act2 = nn.LeakyReLU(slope)

    def forward(self, x):
        return self.act2(self.norm2(self.conv2(self.act1(self.norm1(self.conv1(x))))))


class SegmentationUNet(nn.Module):
    """Encoder of strided stages, decoder of ConvTranspose3d + concat + stage, 1x1x1 head (same field names as C#)."""

    def __init__(self, in_channels, classes, features, strides, slope=0.01):
        super().__init__()
        self.encoder = nn.ModuleList(
            UNetStage(in_channels if s == 0 else features[s - 1], features[s], strides[s], slope) for s in range(len(features)))
        self.upsamplers = nn.ModuleList()
        self.decoder = nn.ModuleList()
        for lower in range(len(features) - 1, 0, -1):
            kernel = tuple(strides[lower])
            self.upsamplers.append(nn.ConvTranspose3d(features[lower], features[lower - 1], kernel, stride=kernel, bias=False))
            self.decoder.append(UNetStage(2 * features[lower - 1], features[lower - 1], (1, 1, 1), slope))
        self.seg_head = nn.Conv3d(features[0], classes, 1, bias=True)

    def decode(self, x):
        """Every decoder stage's output, coarsest first; the last one feeds seg_head."""
        skips = []
        for stage in self.encoder:
            x = stage(x)
            skips.append(x)
        outputs = []
        for d, (up, stage) in enumerate(zip(self.upsamplers, self.decoder)):
            x = stage(torch.cat([up(x), skips[-2 - d]], 1))
            outputs.append(x)
        return outputs

    def forward(self, x):
        return self.seg_head(self.decode(x)[-1])


class DeepSupervision(nn.Module):
    """Training-only wrapper: extra 1x1x1 heads on the coarser decoder outputs (nnU-Net's deep
    supervision). The heads live outside `net`, so net.state_dict() stays the servable one."""

    def __init__(self, net, features, classes, extra_heads=2):
        super().__init__()
        self.net = net
        # Decoder outputs have features[-2], features[-3], ..., features[0] channels.
        coarse = list(reversed(features[:-1]))[:-1]
        self.heads = nn.ModuleList(nn.Conv3d(c, classes, 1, bias=True) for c in coarse[-extra_heads:])
        self.extra = len(self.heads)

    def forward(self, x):
        outputs = self.net.decode(x)
        logits = [self.net.seg_head(outputs[-1])]
        for head, out in zip(reversed(self.heads), reversed(outputs[-1 - self.extra:-1])):
            logits.append(head(out))
        return logits  # finest first
