"""The SAME SegmentationUNet as server/RenalGrpc.Engine/Model/SegmentationUNet.cs, in PyTorch.

Builds the network with a fixed seed, saves its state_dict with torch.save (zip format), a fixed
input and the network's output for it as raw little-endian float32, so the C# test can load the
weights through TorchSharp.PyBridge and compare outputs.

usage: segmentation_unet_reference.py OUT_DIR
"""
import json
import sys
from pathlib import Path

import torch
from torch import nn

FEATURES = [4, 8, 16]
STRIDES = [(1, 1, 1), (1, 2, 2), (2, 2, 2)]
IN_CHANNELS = 1
CLASSES = 4
INPUT_SHAPE = (1, 1, 4, 12, 16)


class UNetStage(nn.Module):
    def __init__(self, in_channels, out_channels, stride, slope=0.01):
        super().__init__()
        self.conv1 = nn.Conv3d(in_channels, out_channels, 3, stride=stride, padding=1, bias=True)
        self.norm1 = nn.InstanceNorm3d(out_channels, eps=1e-5, affine=True)
        self.act1 = nn.LeakyReLU(slope)
        self.conv2 = nn.Conv3d(out_channels, out_channels, 3, padding=1, bias=True)
        self.norm2 = nn.InstanceNorm3d(out_channels, eps=1e-5, affine=True)
        self.act2 = nn.LeakyReLU(slope)

    def forward(self, x):
        return self.act2(self.norm2(self.conv2(self.act1(self.norm1(self.conv1(x))))))


class SegmentationUNet(nn.Module):
    def __init__(self, in_channels, classes, features, strides):
        super().__init__()
        self.encoder = nn.ModuleList(
            UNetStage(in_channels if s == 0 else features[s - 1], features[s], strides[s]) for s in range(len(features)))
        self.upsamplers = nn.ModuleList()
        self.decoder = nn.ModuleList()
        for lower in range(len(features) - 1, 0, -1):
            self.upsamplers.append(nn.ConvTranspose3d(features[lower], features[lower - 1], strides[lower], stride=strides[lower], bias=False))
            self.decoder.append(UNetStage(2 * features[lower - 1], features[lower - 1], (1, 1, 1)))
        self.seg_head = nn.Conv3d(features[0], classes, 1, bias=True)

    def forward(self, x):
        skips = []
        for stage in self.encoder:
            x = stage(x)
            skips.append(x)
        for d, (up, stage) in enumerate(zip(self.upsamplers, self.decoder)):
            x = stage(torch.cat([up(x), skips[-2 - d]], 1))
        return self.seg_head(x)


def main(out_dir):
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    torch.manual_seed(1234)
    net = SegmentationUNet(IN_CHANNELS, CLASSES, FEATURES, STRIDES)
    # Non-trivial affine norm parameters, so a swapped weight/bias would show.
    with torch.no_grad():
        for name, p in net.named_parameters():
            if "norm" in name:
                p.add_(0.1 * torch.randn_like(p))
    net.eval()
    x = torch.randn(*INPUT_SHAPE)
    with torch.no_grad():
        y = net(x)
    torch.save(net.state_dict(), out / "unet_state_dict.pt")
    x.numpy().astype("<f4").tofile(out / "input.f32")
    y.numpy().astype("<f4").tofile(out / "output.f32")
    (out / "shapes.json").write_text(json.dumps({
        "input": list(x.shape), "output": list(y.shape), "torch": torch.__version__,
        "keys": list(net.state_dict().keys())}))


if __name__ == "__main__":
    main(sys.argv[1])
