"""PyTorch side of the `engine` benchmark: the same stage-1 SegmentationUNet as
server/RenalGrpc.Engine/Model/SegmentationUNet.cs, with the weights the .NET side exported, timed
on the same inputs with the same thread count.

The .NET side (EngineForwardComparison.cs) writes into FOLDER:
  manifest.json  architecture, thread count, inputs (shape, input file, expected output file, repeats)
  weights.json   state_dict names and shapes, in the order of weights.f32
  weights.f32    every tensor, float32 little-endian, concatenated
  input_N.f32, output_N.f32  an input and TorchSharp's logits for it

Prints JSON: torch version, threads, and per input the median forward ms, the largest absolute
difference to TorchSharp's logits and the largest absolute logit (for scale).

usage: /usr/bin/python3 engine_forward_python.py FOLDER
"""
import json
import sys
import time
from pathlib import Path

import numpy as np
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

    def __init__(self, in_channels, classes, features, strides, slope):
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

    def forward(self, x):
        skips = []
        for stage in self.encoder:
            x = stage(x)
            skips.append(x)
        for d, (up, stage) in enumerate(zip(self.upsamplers, self.decoder)):
            x = stage(torch.cat([up(x), skips[-2 - d]], 1))
        return self.seg_head(x)


def load_weights(net, folder):
    index = json.loads((folder / "weights.json").read_text())
    flat = np.fromfile(folder / "weights.f32", dtype="<f4")
    state, offset = {}, 0
    for entry in index:
        count = int(np.prod(entry["shape"])) if entry["shape"] else 1
        state[entry["name"]] = torch.from_numpy(flat[offset:offset + count].copy()).reshape(entry["shape"])
        offset += count
    if offset != flat.size:
        raise SystemExit(f"weights.f32 holds {flat.size} floats, the index describes {offset}")
    net.load_state_dict(state, strict=True)


def read(path, shape):
    return torch.from_numpy(np.fromfile(path, dtype="<f4").reshape(shape))


def main(folder):
    folder = Path(folder)
    manifest = json.loads((folder / "manifest.json").read_text())
    torch.set_num_threads(manifest["threads"])  # Debian's build defaults to 1 thread
    net = SegmentationUNet(manifest["in_channels"], manifest["classes"], manifest["features"], manifest["strides"], manifest["slope"])
    load_weights(net, folder)
    net.eval()
    results = []
    with torch.no_grad():
        for item in manifest["inputs"]:
            x = read(folder / item["input"], item["shape"])
            y = net(x)  # also the warm-up
            expected = read(folder / item["expected"], list(y.shape))
            times = []
            for _ in range(item["repeats"]):
                start = time.perf_counter()
                net(x)
                times.append((time.perf_counter() - start) * 1000)
            results.append({
                "shape": item["shape"],
                "median_ms": sorted(times)[len(times) // 2],  # the same element the .NET side reports
                "max_abs_diff": float((y - expected).abs().max()),
                "max_abs_logit": float(expected.abs().max()),
            })
    print(json.dumps({"torch": torch.__version__, "threads": torch.get_num_threads(), "inputs": results}))


if __name__ == "__main__":
    main(sys.argv[1])
