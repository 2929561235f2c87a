"""training/pytorch (the GPU training path of the shipped stage-1 weights), run on the CPU with Debian's
python3-torch: its NIfTI reader agrees with nibabel, its model grid follows the server's resampling
rule, and a few training steps on a tiny dataset write a state_dict that loads into the network."""
from __future__ import annotations

import json
import subprocess
import sys

import nibabel as nib
import numpy as np
import pytest

from conftest import REPOSITORY_ROOT

torch = pytest.importorskip("torch")
TRAINING = REPOSITORY_ROOT / "training" / "pytorch"
sys.path.insert(0, str(TRAINING))
import renal_data  # noqa: E402
from renal_unet import DeepSupervision, SegmentationUNet  # noqa: E402


def _write_case(folder, seed):
    """One two-phase case in the DATASET.md layout: a bright 'kidney' block with a darker 'tumor' inside."""
    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True)
    affine = np.diag([-2.0, -2.0, 4.0, 1.0])  # RAS affine of an LPS-axial grid, as our writer makes it
    for phase, kidney_hu in (("A", 180), ("P", 170)):
        image = rng.normal(-100, 10, (24, 40, 12))  # NIfTI axes (i, j, k)
        labels = np.zeros(image.shape, np.uint8)
        labels[8:30, 10:30, 3:9] = 1
        labels[14:22, 16:24, 4:8] = 2
        image[labels == 1] = kidney_hu
        image[labels == 2] = 60
        nib.save(nib.Nifti1Image(np.round(image).astype(np.int16), affine), folder / f"imaging_{phase}.nii.gz")
        nib.save(nib.Nifti1Image(labels, affine), folder / f"segmentation_{phase}.nii.gz")


def test_nifti_reader_agrees_with_nibabel(tmp_path):
    _write_case(tmp_path / "case_00000", 1)
    ours, spacing = renal_data.read_nifti(tmp_path / "case_00000" / "imaging_A.nii.gz")
    theirs = np.asarray(nib.load(tmp_path / "case_00000" / "imaging_A.nii.gz").dataobj)
    assert ours.shape == theirs.shape[::-1]  # (k, j, i)
    assert np.array_equal(ours, np.transpose(theirs, (2, 1, 0)))
    assert spacing == (4.0, 2.0, 2.0)


def test_model_grid_follows_the_servers_rounding_rule():
    # VolumeResampler.ToSpacing: round(n * s / s') with numpy's half-to-even rounding.
    assert renal_data.model_grid_size((40, 128, 128), (5.0, 2.6691275, 2.6691275), (5.0, 2.5, 2.5)) == [40, 137, 137]
    assert renal_data.model_grid_size((5, 5, 5), (1.0, 1.0, 1.0), (2.0, 2.0, 2.0)) == [2, 2, 2]


def test_deep_supervision_heads_are_not_in_the_servable_state_dict():
    net = SegmentationUNet(1, 4, [4, 8, 16], [(1, 1, 1), (1, 2, 2), (2, 2, 2)])
    wrapped = DeepSupervision(net, [4, 8, 16], 4)
    outputs = wrapped(torch.zeros(1, 1, 8, 16, 16))
    assert [tuple(o.shape[2:]) for o in outputs] == [(8, 16, 16), (8, 8, 8)]
    assert not any(k.startswith("heads") for k in net.state_dict())


def test_a_few_training_steps_write_a_loadable_state_dict(tmp_path):
    for n in range(2):
        _write_case(tmp_path / "data" / f"case_{n:05d}", n)
    out = tmp_path / "out"
    subprocess.run([sys.executable, str(TRAINING / "train_segmentation.py"), "--data", str(tmp_path / "data"),
                    "--out", str(out), "--steps", "4", "--batch", "2", "--patch", "8,16,16", "--features", "4,8,16,32"],
                   check=True, timeout=300, capture_output=True)
    report = json.loads((out / "training.json").read_text())
    assert report["steps"] == 4 and np.isfinite(report["final_loss"]) and report["training_phases"] == 4
    net = SegmentationUNet(1, 4, [4, 8, 16, 32], [(1, 1, 1), (1, 2, 2), (2, 2, 2), (2, 2, 2)])
    net.load_state_dict(torch.load(out / "segmentation_state_dict.pt"), strict=True)
    arrays = np.load(out / "segmentation_state_dict.npz")
    assert sorted(arrays.files) == sorted(net.state_dict())


def _write_moving_case(folder, seed):
    """A four-phase case in the phantom's own convention (patient = R * scanner + t per phase): the
    kidney sits still in patient space while each phase's scanner is moved, as case.json records."""
    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True)
    spacing, size_ijk = np.array([2.5, 2.5, 5.0]), np.array([48, 48, 32])
    origin = -(size_ijk - 1) * spacing / 2
    moves = {"N": (0.0, 0.0, 0.0), "A": (10.0, -5.0, 0.0), "P": (0.0, 0.0, 0.0), "D": (-7.5, 5.0, 5.0)}
    enhancement = {"N": 35, "A": 180, "P": 170, "D": 120}
    i, j, k = np.meshgrid(*(np.arange(n) for n in size_ijk), indexing="ij")
    scans = {}
    for phase, move in moves.items():
        px, py, pz = (origin[a] + (i, j, k)[a] * spacing[a] + move[a] for a in range(3))
        kidney = ((px - 20) / 22) ** 2 + (py / 18) ** 2 + (pz / 45) ** 2 <= 1
        image = rng.normal(-100, 5, kidney.shape)
        image[kidney] = enhancement[phase]
        affine = np.diag([-spacing[0], -spacing[1], spacing[2], 1.0])
        nib.save(nib.Nifti1Image(np.round(image).astype(np.int16), affine), folder / f"imaging_{phase}.nii.gz")
        nib.save(nib.Nifti1Image(kidney.astype(np.uint8), affine), folder / f"segmentation_{phase}.nii.gz")
        scans[phase] = {"translation_mm": list(move), "rotation_deg": [0, 0, 0], "spacing_mm": spacing.tolist(), "origin_mm": origin.tolist()}
    (folder / "case.json").write_text(json.dumps({"lesions": [], "generator": {"scans": scans}}))


def test_roi_boxes_align_every_phase_on_p_and_a_few_steps_train(tmp_path):
    from scipy import ndimage
    for n in range(2):
        _write_moving_case(tmp_path / "data" / f"case_{n:05d}", n)
    crops = tmp_path / "crops.npz"
    script = str(TRAINING / "train_roi.py")
    subprocess.run([sys.executable, script, "crops", "--out", str(crops), "--data", str(tmp_path / "data"), "--workers", "1"],
                   check=True, timeout=300, capture_output=True)
    boxes = np.load(crops)
    assert boxes["x"].shape == (2, 4, 28, 40, 40) and boxes["y"].shape == (2, 28, 40, 40)
    inside = ndimage.binary_erosion(boxes["y"][0] == 1)
    assert inside.sum() > 500
    # Every phase, moved by up to 10 mm, is enhanced kidney exactly where P's truth says kidney.
    for channel, hu in zip(range(4), (35, 180, 170, 120)):
        expected = (min(max(hu, renal_data.CLIP_MIN), renal_data.CLIP_MAX) - renal_data.MEAN) / renal_data.SD
        assert np.allclose(boxes["x"][0, channel][inside], expected, atol=0.02), f"phase {'NAPD'[channel]} is not aligned on P"

    out = tmp_path / "roi.pt"
    run = subprocess.run([sys.executable, script, "train", "--crops", str(crops), "--crops", str(crops), "--out", str(out), "--steps", "3",
                          "--batch", "2", "--features", "4,8,16", "--phase-dropout", "0.5"], check=True, timeout=300, capture_output=True, text=True)
    assert "step 3/3" in run.stdout
    net = SegmentationUNet(4, 4, [4, 8, 16], [(1, 1, 1), (1, 2, 2), (2, 2, 2)])
    net.load_state_dict(torch.load(out), strict=True)


def test_roi_phase_dropout_zeroes_one_or_two_whole_phases_and_nothing_else():
    import train_roi
    rng = np.random.default_rng(0)
    box = rng.normal(1.0, 0.3, (4, 6, 8, 8)).astype(np.float32)  # no voxel is 0
    truth = np.zeros((6, 8, 8), np.int64)
    zeroed = []
    for _ in range(40):
        image, _ = train_roi.augment_box(box.copy(), truth, rng, phase_dropout=1.0)
        empty = [channel for channel in range(4) if not image[channel].any()]
        assert all(image[channel].all() for channel in range(4) if channel not in empty)
        zeroed.append(len(empty))
    assert set(zeroed) == {1, 2}
    for _ in range(20):
        image, _ = train_roi.augment_box(box.copy(), truth, rng, phase_dropout=0.0)
        assert all(image[channel].all() for channel in range(4))


def test_roi_tumor_weight_raises_the_loss_of_a_missed_tumor_and_nothing_else():
    import train_roi
    truth = torch.zeros((1, 4, 6, 6), dtype=torch.int64)
    truth[0, 1:3, 2:4, 2:4] = 2  # 8 tumor voxels in 144
    logits = torch.zeros((1, 4, 4, 6, 6))
    logits[:, 0] = 4.0  # the network says background everywhere: the tumor is missed
    plain, weighted = train_roi.loss_of(logits, truth), train_roi.loss_of(logits, truth, tumor_weight=6.0)
    assert weighted > plain + 0.5
    no_tumor = torch.zeros_like(truth)
    assert torch.isclose(train_roi.loss_of(logits, no_tumor), train_roi.loss_of(logits, no_tumor, tumor_weight=6.0))
