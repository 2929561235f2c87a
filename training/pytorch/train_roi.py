"""Trains the multi-phase kidney-ROI network (the checkpoint's optional `refinement` stage).

Stage 1 sees one phase at a time, and a renal lesion of 1-2 cm looks like medulla or renal sinus
in any single phase. This network reads all four phases at once, aligned on the P phase, in a box
of 28 x 40 x 40 voxels (z, y, x) around each kidney, so it can use the lesion's enhancement curve.

    # 1. crops: every phase aligned onto P with the phantom's known motion (case.json), clipped and
    #    z-scored as stage 1, one box per kidney centred on the kidney+masses bounding box
    python3 training/pytorch/train_roi.py crops --out crops.npz --data data/train --data data/cls2
    # 2. training (CPU: ~0.7 s per step of batch 4 on two cores)
    python3 training/pytorch/train_roi.py train --crops crops.npz --out roi.pt --steps 1400
    #    (--phase-dropout 0.3: zero one or two phase channels in 30% of boxes, for studies without them)
    # 3. into a checkpoint, beside its stage 1 and classifier
    renal import-seg --roi --pytorch roi.pt --out models/default --features 16,32,64 --crop 28,40,40

At inference (KidneyRoiRefinement in the engine) the phases are aligned by the mask-driven
registration instead, and the box is centred on stage 1's kidney; training on known motion with
+-1 voxel of random in-plane misregistration of N, A and D stands in for that.
"""
import argparse
import json
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from scipy import ndimage

import renal_data
import renal_unet

CROP = (28, 40, 40)
PHASES = "NAPD"
STRIDES = [[1, 1, 1], [1, 2, 2], [2, 2, 2], [2, 2, 2]]


def rotation(degrees):
    """The phantom's rotation (RigidRotation.FromDegrees): about x, then y, then z."""
    a, b, c = np.deg2rad(degrees)
    rx = np.array([[1, 0, 0], [0, np.cos(a), -np.sin(a)], [0, np.sin(a), np.cos(a)]])
    ry = np.array([[np.cos(b), 0, np.sin(b)], [0, 1, 0], [-np.sin(b), 0, np.cos(b)]])
    rz = np.array([[np.cos(c), -np.sin(c), 0], [np.sin(c), np.cos(c), 0], [0, 0, 1]])
    return rz @ ry @ rx


def case_crops(case_dir):
    """Up to two boxes (one per kidney) of one phantom case: channels N, A, P, D on P's grid, and P's labels."""
    case_dir = Path(case_dir)
    case = json.loads((case_dir / "case.json").read_text())
    scans = case["generator"]["scans"]
    phases = {p: renal_data.read_nifti(case_dir / f"imaging_{p}.nii.gz")[0].astype(np.float32)
              for p in PHASES if (case_dir / f"imaging_{p}.nii.gz").exists()}
    if "P" not in phases or not (case_dir / "segmentation_P.nii.gz").exists():
        return []
    labels = renal_data.read_nifti(case_dir / "segmentation_P.nii.gz")[0]  # (k, j, i)
    components, count = ndimage.label(labels > 0)
    sizes = ndimage.sum(np.ones_like(labels), components, range(1, count + 1))
    kidneys = [int(n) + 1 for n in np.argsort(sizes)[::-1][:2] if sizes[n] > 200]
    reference = scans["P"]
    spacing_p, origin_p = np.array(reference["spacing_mm"]), np.array(reference["origin_mm"])
    rotation_p, shift_p = rotation(reference["rotation_deg"]), np.array(reference["translation_mm"])
    tumor_radii = [(lesion["centre_mm"][0] > 0, lesion["radius_mm"]) for lesion in case["lesions"] if lesion["kind"] == "tumor"]
    crops = []
    for kidney in kidneys:
        kji = np.argwhere(components == kidney)
        centre_ijk = ((kji.min(0) + kji.max(0)) / 2).round().astype(int)[::-1]
        start = centre_ijk - np.array(CROP[::-1]) // 2
        grids = np.meshgrid(*[np.arange(s, s + n) for s, n in zip(start, CROP[::-1])], indexing="ij")
        ijk = np.stack(grids, -1).reshape(-1, 3).astype(np.float64)
        patient = (origin_p + ijk * spacing_p) @ rotation_p.T + shift_p
        image = np.zeros((len(PHASES),) + CROP, np.float16)
        for channel, phase in enumerate(PHASES):
            if phase not in phases:
                continue
            scan = scans[phase]
            scanner = (patient - np.array(scan["translation_mm"])) @ rotation(scan["rotation_deg"])
            index_ijk = (scanner - np.array(scan["origin_mm"])) / np.array(scan["spacing_mm"])
            values = ndimage.map_coordinates(phases[phase], index_ijk[:, ::-1].T, order=1, mode="constant", cval=-1000.0)
            values = (np.clip(values, renal_data.CLIP_MIN, renal_data.CLIP_MAX) - renal_data.MEAN) / renal_data.SD
            image[channel] = values.reshape(CROP[::-1]).transpose(2, 1, 0)
        truth = ndimage.map_coordinates(labels.astype(np.float32), ijk[:, ::-1].T, order=0, mode="constant", cval=0)
        left = (origin_p + centre_ijk * spacing_p)[0] > 0
        radii = [r for is_left, r in tumor_radii if is_left == left]
        crops.append((case_dir.name, image, truth.reshape(CROP[::-1]).transpose(2, 1, 0).astype(np.uint8), max(radii, default=0.0)))
    return crops


def make_crops(args):
    cases = [c for root in args.data for c in sorted(Path(root).glob("case_*"))]
    with ProcessPoolExecutor(args.workers) as pool:
        crops = [c for found in pool.map(case_crops, cases, chunksize=8) for c in found]
    np.savez(args.out, x=np.stack([c[1] for c in crops]), y=np.stack([c[2] for c in crops]),
             case=np.array([c[0] for c in crops]), radius=np.array([c[3] for c in crops]))
    print(f"{len(crops)} boxes from {len(cases)} cases -> {args.out}")


def loss_of(logits, truth, tumor_weight=1.0):
    """Cross-entropy + soft Dice per sample and class (a 20-voxel tumor weighs as much as a large one).
    tumor_weight > 1 weighs tumor voxels more in the cross-entropy: a lesion of 20 voxels among 30,000
    otherwise teaches the network that "kidney" is almost always right."""
    one_hot = F.one_hot(truth, logits.shape[1]).permute(0, 4, 1, 2, 3).float()
    probabilities = logits.softmax(1)
    overlap = (probabilities * one_hot).sum((2, 3, 4))
    dice = (2 * overlap + 1e-5) / (probabilities.sum((2, 3, 4)) + one_hot.sum((2, 3, 4)) + 1e-5)
    present = one_hot.sum((2, 3, 4))[:, 1:] > 0
    dice_loss = 1 - dice[:, 1:][present].mean() if present.any() else logits.sum() * 0
    weight = torch.tensor([1.0, 1.0, tumor_weight, 1.0], dtype=logits.dtype)  # background, kidney, tumor, cyst
    return F.cross_entropy(logits, truth, weight=weight) + dice_loss


def augment_box(image, truth, rng, phase_dropout):
    """Mirroring, intensity jitter, misregistration of N, A and D, noise, and phase dropout of one (N, A, P, D) box."""
    if rng.random() < 0.5:  # left and right kidneys mirror each other
        image, truth = image[..., ::-1].copy(), truth[..., ::-1].copy()
    image = image * rng.uniform(0.9, 1.1, (len(PHASES), 1, 1, 1)) + rng.uniform(-0.1, 0.1, (len(PHASES), 1, 1, 1))
    for channel in (0, 1, 3):  # the registration error of the phases moved onto P
        image[channel] = np.roll(image[channel], (rng.integers(-1, 2), rng.integers(-1, 2)), axis=(1, 2))
    image += rng.normal(0, 0.05, image.shape)
    if rng.random() < phase_dropout:  # a study without one or two phases: their channels read 0 (the mean)
        image[rng.choice(len(PHASES), 1 if rng.random() < 0.7 else 2, replace=False)] = 0
    return image.astype(np.float32), truth


def train(args):
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    rng = np.random.default_rng(args.seed)
    data = [np.load(path) for path in args.crops]
    images, truths, radii = (np.concatenate([d[key] for d in data]) for key in ("x", "y", "radius"))
    features = [int(v) for v in args.features.split(",")]
    net = renal_unet.SegmentationUNet(len(PHASES), 4, features, STRIDES[:len(features)])
    if args.init:
        net.load_state_dict(torch.load(args.init))
    optimizer = torch.optim.SGD(net.parameters(), lr=args.lr, momentum=0.99, nesterov=True, weight_decay=3e-5)
    everything = np.arange(len(images))
    # An empty pool (data without small tumors, or without any) draws from every box instead.
    with_tumor = np.flatnonzero(radii > 0) if (radii > 0).any() else everything
    small = np.flatnonzero((radii > 0) & (radii < 12)) if ((radii > 0) & (radii < 12)).any() else with_tumor
    patch = (24, 36, 36)

    def sample():
        draw = rng.random()
        n = rng.choice(small if draw < args.small_fraction else with_tumor if draw < args.small_fraction + args.tumor_fraction else everything)
        z, y, x = [rng.integers(0, s - p + 1) for s, p in zip(images.shape[2:], patch)]
        image = images[n, :, z:z + patch[0], y:y + patch[1], x:x + patch[2]].astype(np.float32).copy()
        truth = truths[n, z:z + patch[0], y:y + patch[1], x:x + patch[2]].astype(np.int64).copy()
        return augment_box(image, truth, rng, args.phase_dropout)

    started, running = time.time(), None
    for step in range(1, args.steps + 1):
        for group in optimizer.param_groups:
            group["lr"] = args.lr * (1 - step / args.steps) ** 0.9
        batch = [sample() for _ in range(args.batch)]
        loss = loss_of(net(torch.from_numpy(np.stack([b[0] for b in batch]))), torch.from_numpy(np.stack([b[1] for b in batch])),
                       args.tumor_weight)
        optimizer.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(net.parameters(), 12)
        optimizer.step()
        running = loss.item() if running is None else 0.98 * running + 0.02 * loss.item()
        if step % 50 == 0 or step == args.steps:
            print(f"step {step}/{args.steps} loss {running:.4f} {time.time() - started:.0f} s", flush=True)
            torch.save(net.state_dict(), args.out)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    crops = commands.add_parser("crops", help="cut the kidney boxes of phantom cases")
    crops.add_argument("--out", required=True)
    crops.add_argument("--data", action="append", required=True, help="a DATASET.md folder made by `renal phantom`")
    crops.add_argument("--workers", type=int, default=2)
    fit = commands.add_parser("train", help="train the network on the boxes")
    fit.add_argument("--crops", action="append", required=True, help="boxes made by `crops`; repeat to train on several files")
    fit.add_argument("--out", required=True)
    fit.add_argument("--features", default="16,32,64")
    fit.add_argument("--steps", type=int, default=1400)
    fit.add_argument("--batch", type=int, default=4)
    fit.add_argument("--lr", type=float, default=0.01)
    fit.add_argument("--init", help="state_dict to start from")
    fit.add_argument("--small-fraction", type=float, default=0.4, help="share of boxes drawn from those with a tumor under 12 mm radius")
    fit.add_argument("--tumor-fraction", type=float, default=0.3, help="share drawn from those with any tumor (the rest: any box)")
    fit.add_argument("--phase-dropout", type=float, default=0.0,
                     help="share of boxes with one or two phases zeroed, so the network serves studies without them")
    fit.add_argument("--tumor-weight", type=float, default=1.0, help="weight of tumor voxels in the cross-entropy (others 1)")
    fit.add_argument("--seed", type=int, default=0)
    fit.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    make_crops(args) if args.command == "crops" else train(args)


if __name__ == "__main__":
    main()
