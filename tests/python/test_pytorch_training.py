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
