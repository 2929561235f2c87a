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


# The one PyTorch definition of the network, shared with the GPU training script.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "training" / "pytorch"))
from renal_unet import SegmentationUNet  # noqa: E402


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
