#!/usr/bin/env python3
"""Stage-1 training of RenalGrpc's SegmentationUNet in PyTorch, for a GPU.

`renal train` trains the same network on a CPU (TorchSharp); on the 2-core machines this project
is built on, a step of the 16-32-64-128 network costs seconds, so this script exists to train
the shipped weights on a GPU in minutes. It reads the same DATASET.md folders, preprocesses
exactly as the C# trainer and the server do (renal_data.py), trains with nnU-Net's recipe (SGD
0.01 nesterov momentum 0.99, poly decay, CE + soft Dice, deep supervision, rotation / scaling /
mirroring / intensity augmentation on the GPU) and writes `torch.save(net.state_dict())`, which
`renal import-seg` turns into a RenalGrpc checkpoint.

usage: python3 train_segmentation.py --data DIR [--data DIR ...] --out DIR [--val DIR]
         [--minutes M | --steps N] [--features 16,32,64,128] [--patch 32,128,128] [--batch 8] [--seed S]
         [--init STATE_DICT] [--lesion-fraction 0.4] [--per-sample-dice] [--threads N]
"""
import argparse
import json
import math
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

import renal_data
from renal_unet import DeepSupervision, SegmentationUNet

STRIDES = [(1, 1, 1), (1, 2, 2), (2, 2, 2), (2, 2, 2)]
SPACING_ZYX = (5.0, 2.5, 2.5)


def read_folders(*folder_lists):
    """Reads every case of every folder list in worker processes (before CUDA starts in this one)."""
    case_lists = [sorted(c for f in folders for c in Path(f).iterdir() if c.is_dir()) for folders in folder_lists]
    with ProcessPoolExecutor() as pool:
        return [[phase for phases in pool.map(renal_data.read_case, cases, chunksize=4) for phase in phases if phase.labels is not None]
                for cases in case_lists]


def to_device(phases, device, log, what):
    volumes = [(p.case_id, *renal_data.to_model_grid(p, SPACING_ZYX, device)) for p in phases]
    log(f"{what}: {len(volumes)} phases of {len({p.case_id for p in phases})} cases on the model grid")
    return volumes


class PatchSampler:
    """Lesion-centred (40%), kidney-centred (30%) and uniform patches with rotation, scaling and
    mirroring folded into one grid_sample per patch, then intensity jitter and noise."""

    def __init__(self, volumes, patch, generator, device, lesion_fraction=0.4):
        self.volumes, self.patch, self.gen, self.device = volumes, patch, generator, device
        self.lesion_fraction = lesion_fraction
        self.low = renal_data.lowest_normalised_value()
        self.pools = []
        for _, _, labels in volumes:
            tumour = torch.nonzero(labels == 2)
            lesion = torch.nonzero(labels >= 2)
            kidney = torch.nonzero(labels == 1)
            self.pools.append((thin(tumour), thin(lesion), thin(kidney)))
        axes = [torch.arange(n, device=device, dtype=torch.float32) - (n - 1) / 2 for n in patch]
        zz, yy, xx = torch.meshgrid(*axes, indexing="ij")
        self.offsets = torch.stack([zz, yy, xx], -1).reshape(-1, 3)  # (P, 3) in voxels (z, y, x)

    def rand(self):
        return torch.rand((), generator=self.gen).item()

    def centre(self, index):
        _, image, _ = self.volumes[index]
        tumour, lesion, kidney = self.pools[index]
        draw = self.rand()
        pool = None
        if draw < self.lesion_fraction:
            pool = tumour if len(tumour) and self.rand() < 0.75 else lesion
        elif draw < self.lesion_fraction + 0.3:
            pool = kidney
        if pool is not None and len(pool):
            c = pool[int(self.rand() * len(pool))].float().tolist()
            return [c[a] + (self.rand() - 0.5) * self.patch[a] * 0.5 for a in range(3)]
        return [self.rand() * (n - 1) for n in image.shape]

    def sample(self, batch):
        images, labels = [], []
        for _ in range(batch):
            index = int(self.rand() * len(self.volumes))
            _, image, label = self.volumes[index]
            centre = torch.tensor(self.centre(index), device=self.device)
            matrix = torch.eye(3, device=self.device)
            if self.rand() < 0.3:  # in-plane rotation (y, x share one spacing on the model grid)
                angle = math.radians((self.rand() - 0.5) * 30)
                matrix[1:, 1:] = torch.tensor([[math.cos(angle), -math.sin(angle)], [math.sin(angle), math.cos(angle)]])
            if self.rand() < 0.3:
                matrix = matrix * (0.85 + 0.3 * self.rand())
            flips = torch.tensor([-1.0 if self.rand() < 0.5 else 1.0 for _ in range(3)], device=self.device)
            source = centre + (self.offsets * flips) @ matrix.T
            shape = torch.tensor(image.shape, device=self.device, dtype=torch.float32)
            grid = (2 * source / (shape - 1) - 1).flip(-1).reshape(1, *self.patch, 3)  # grid wants (x, y, z)
            images.append(F.grid_sample((image - self.low)[None, None], grid, mode="bilinear", align_corners=True)[0] + self.low)
            labels.append(F.grid_sample(label[None, None].float(), grid, mode="nearest", align_corners=True)[0, 0])
        x = torch.stack(images)
        y = torch.stack(labels).long()
        jitter = torch.rand(batch, 1, 1, 1, 1, generator=self.gen).to(self.device)
        shift = torch.rand(batch, 1, 1, 1, 1, generator=self.gen).to(self.device)
        mean = x.mean(dim=(2, 3, 4), keepdim=True)
        x = (x - mean) * (0.85 + 0.3 * jitter) + mean + (shift - 0.5) * 0.2  # contrast +-15%, shift +-10 HU
        noisy = (torch.rand(batch, 1, 1, 1, 1, generator=self.gen) < 0.3).float().to(self.device)
        sd = torch.rand(batch, 1, 1, 1, 1, generator=self.gen).to(self.device) * 0.12
        x = x + noisy * sd * torch.randn(x.shape, device=self.device)
        return x, y


def thin(indices, limit=20000):
    if len(indices) <= limit:
        return indices
    return indices[torch.linspace(0, len(indices) - 1, limit).long()]


def dice_ce(logits, target, smooth=1e-5, per_sample=False):
    """nnU-Net's loss: CE plus soft Dice over the foreground classes present. Batch Dice pools the
    voxels of the whole batch, so a 20-voxel tumour next to 5000-voxel ones adds almost nothing;
    per-sample Dice scores every patch on its own, which is what small lesions need."""
    ce = F.cross_entropy(logits, target)
    probabilities = logits.float().softmax(1)
    onehot = F.one_hot(target, logits.shape[1]).permute(0, 4, 1, 2, 3).float()
    axes = (2, 3, 4) if per_sample else (0, 2, 3, 4)
    dice = (2 * (probabilities * onehot).sum(axes) + smooth) / (probabilities.sum(axes) + onehot.sum(axes) + smooth)
    present = (onehot.sum(axes)[..., 1:] > 0).float()
    return ce + 1 - (dice[..., 1:] * present).sum() / present.sum().clamp_min(1)


def gaussian_weights(shape, device, sigma_scale=0.125):
    axes = [torch.exp(-0.5 * ((torch.arange(n, device=device) - (n - 1) / 2) / (n * sigma_scale)) ** 2) for n in shape]
    w = axes[0][:, None, None] * axes[1][None, :, None] * axes[2][None, None, :]
    return (w / w.max()).clamp_min(1e-3)


def tile_starts(size, tile, step=0.5):
    if size <= tile:
        return [0]
    count = math.ceil((size - tile) / (tile * step)) + 1
    return [round(i * (size - tile) / (count - 1)) for i in range(count)]


@torch.no_grad()
def predict(net, image, patch):
    """Sliding window with Gaussian weights, as the server's SlidingWindowPredictor (no mirroring)."""
    low = renal_data.lowest_normalised_value()
    pad = [max(0, p - n) for n, p in zip(image.shape, patch)]
    padded = F.pad(image, (0, pad[2], 0, pad[1], 0, pad[0]), value=low)
    weights = gaussian_weights(patch, image.device)
    logits = torch.zeros((4, *padded.shape), device=image.device)
    total = torch.zeros(padded.shape, device=image.device)
    for z in tile_starts(padded.shape[0], patch[0]):
        for y in tile_starts(padded.shape[1], patch[1]):
            for x in tile_starts(padded.shape[2], patch[2]):
                window = (slice(z, z + patch[0]), slice(y, y + patch[1]), slice(x, x + patch[2]))
                with autocast(image.device):
                    out = net(padded[window][None, None])[0].float()
                logits[(slice(None),) + window] += out.softmax(0) * weights
                total[window] += weights
    probabilities = logits / total
    return probabilities[:, :image.shape[0], :image.shape[1], :image.shape[2]].argmax(0)


def dice(a, b):
    denominator = a.sum() + b.sum()
    return float(2 * (a & b).sum() / denominator) if denominator > 0 else float("nan")


def validate(net, volumes, patch):
    net.eval()
    per_case = {}
    for case_id, image, labels in volumes:
        predicted = predict(net, image, patch)
        scores = per_case.setdefault(case_id, {"kidney_masses": [], "tumor": []})
        scores["kidney_masses"].append(dice(predicted > 0, labels > 0))
        scores["tumor"].append(dice(predicted == 2, labels == 2))
    net.train()
    summary = {}
    for key in ("kidney_masses", "tumor"):
        case_means = [np.nanmean(s[key]) for s in per_case.values() if not all(math.isnan(v) for v in s[key])]
        summary[f"dice_{key}"] = float(np.mean(case_means)) if case_means else float("nan")
        summary[f"cases_{key}"] = len(case_means)
    return summary


def autocast(device):
    if device.type == "cuda":
        return torch.autocast("cuda", dtype=torch.bfloat16)
    return torch.autocast("cpu", enabled=False)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", action="append", required=True)
    parser.add_argument("--val", action="append", default=[])
    parser.add_argument("--out", required=True)
    parser.add_argument("--minutes", type=float, default=0)
    parser.add_argument("--steps", type=int, default=1000)
    parser.add_argument("--features", default="16,32,64,128")
    parser.add_argument("--patch", default="32,128,128")
    parser.add_argument("--batch", type=int, default=8)
    parser.add_argument("--lr", type=float, default=0.01)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--init", help="state_dict to start from (a second run continues a first)")
    parser.add_argument("--lesion-fraction", type=float, default=0.4, help="share of patches centred on a lesion")
    parser.add_argument("--per-sample-dice", action="store_true", help="Dice per patch instead of over the batch (small lesions)")
    parser.add_argument("--threads", type=int, default=0, help="CPU threads (0: PyTorch's default)")
    args = parser.parse_args()

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    log_file = (out / "train.log").open("a")

    def log(text):
        line = f"[{time.strftime('%H:%M:%S')}] {text}"
        print(line, flush=True)
        log_file.write(line + "\n")
        log_file.flush()

    torch.manual_seed(args.seed)
    if args.threads > 0:
        torch.set_num_threads(args.threads)
    features = [int(v) for v in args.features.split(",")]
    patch = [int(v) for v in args.patch.split(",")]
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    torch.backends.cudnn.benchmark = True
    log(f"torch {torch.__version__} on {device}; features {features}, patch {patch}, batch {args.batch}")

    train_phases, val_phases = read_folders(args.data, args.val)
    volumes = to_device(train_phases, device, log, "training")
    validation = to_device(val_phases, device, log, "validation")
    del train_phases, val_phases
    sampler = PatchSampler(volumes, patch, torch.Generator().manual_seed(args.seed), device, args.lesion_fraction)
    net = SegmentationUNet(1, 4, features, STRIDES).to(device)
    if args.init:
        net.load_state_dict(torch.load(args.init, map_location=device))
        log(f"starting from {args.init}")
    model = DeepSupervision(net, features, 4).to(device)
    optimizer = torch.optim.SGD(model.parameters(), lr=args.lr, momentum=0.99, nesterov=True, weight_decay=3e-5)
    weights = [1.0, 0.5, 0.25][: 1 + model.extra]

    total, step, started, losses = args.steps, 0, time.time(), []
    # A CPU step takes seconds: time a few steps there instead of the GPU's hundred.
    warm_steps, timed_steps = (30, 100) if device.type == "cuda" else (3, 10)
    log_every = 200 if device.type == "cuda" else 20
    while step < total:
        for group in optimizer.param_groups:
            group["lr"] = args.lr * (1 - step / total) ** 0.9
        x, y = sampler.sample(args.batch)
        with autocast(device):
            outputs = model(x)
        loss = 0.0
        for w, logits in zip(weights, outputs):
            target = y if logits.shape[2:] == y.shape[1:] else F.interpolate(y[:, None].float(), size=logits.shape[2:], mode="nearest")[:, 0].long()
            loss = loss + w * dice_ce(logits.float(), target, per_sample=args.per_sample_dice)
        loss = loss / sum(weights)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 12)
        optimizer.step()
        losses.append(loss.item())
        step += 1
        if args.minutes > 0 and step == warm_steps:
            warm = time.time()
        if args.minutes > 0 and step == warm_steps + timed_steps:
            # Fix the schedule's length from the speed after warm-up (cuDNN autotuning makes the
            # first steps several times slower) so that the poly decay ends on time.
            per_step = (time.time() - warm) / timed_steps
            total = max(step + 1, step + int((args.minutes * 60 - (time.time() - started)) / per_step))
            log(f"{per_step * 1000:.0f} ms per step: {total} steps in {args.minutes} min")
        if step % log_every == 0 or step == total:
            log(f"step {step}/{total} loss {np.mean(losses[-log_every:]):.4f} lr {optimizer.param_groups[0]['lr']:.5f} {time.time() - started:.0f} s")
        if step % 2000 == 0:
            torch.save(net.state_dict(), out / "segmentation_state_dict.pt")

    torch.save(net.state_dict(), out / "segmentation_state_dict.pt")
    # The same tensors as plain arrays, readable without torch's pickle format.
    np.savez(out / "segmentation_state_dict.npz", **{k: v.detach().float().cpu().numpy() for k, v in net.state_dict().items()})
    report = {"steps": step, "seconds": time.time() - started, "final_loss": float(np.mean(losses[-200:])),
              "features": features, "patch": patch, "batch": args.batch, "seed": args.seed,
              "training_phases": len(volumes), "torch": torch.__version__, "device": str(device)}
    if validation:
        report["validation"] = validate(net, validation, patch)
        log(f"validation: {report['validation']}")
    (out / "training.json").write_text(json.dumps(report, indent=2))
    log(f"wrote {out / 'segmentation_state_dict.pt'}")


if __name__ == "__main__":
    main()
