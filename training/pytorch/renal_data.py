"""Reading a DATASET.md folder into model-grid tensors, exactly as RenalGrpc's trainer does.

Each phase is read from NIfTI (numpy only: the GPU machines have no nibabel), clipped and
z-scored with the checkpoint's constants, then resampled to the model spacing with the rule of
VolumeResampler.ToSpacing (new size round(n * s / s'), outer voxel faces fixed, i.e. trilinear
with align_corners=False); labels are resampled nearest onto the same grid. Arrays are (z, y, x):
NIfTI stores i fastest, which is numpy C order for shape (k, j, i).
"""
import gzip
import struct
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

NIFTI_TYPES = {2: np.uint8, 4: np.int16, 8: np.int32, 16: np.float32, 64: np.float64, 256: np.int8, 512: np.uint16}
CLIP_MIN, CLIP_MAX, MEAN, SD = -40.0, 347.0, 112.75, 97.87
PHASES = "NAPD"


@dataclass(frozen=True)
class PhaseArrays:
    """One phase as read from disk: voxels (z, y, x), labels or None, spacing (z, y, x) in mm."""
    case_id: str
    phase: str
    image: np.ndarray
    labels: "np.ndarray | None"
    spacing_zyx: tuple


def read_nifti(path):
    """Returns (array of shape (k, j, i), spacing (k, j, i) in mm) of a little-endian NIfTI-1/2 file."""
    raw = Path(path).read_bytes()
    if str(path).endswith(".gz"):
        raw = gzip.decompress(raw)
    header_size = struct.unpack_from("<i", raw, 0)[0]
    if header_size == 348:
        dim = struct.unpack_from("<8h", raw, 40)
        datatype = struct.unpack_from("<h", raw, 70)[0]
        pixdim = struct.unpack_from("<8f", raw, 76)
        offset = int(struct.unpack_from("<f", raw, 108)[0])
        slope, intercept = struct.unpack_from("<2f", raw, 112)
    elif header_size == 540:
        datatype = struct.unpack_from("<h", raw, 12)[0]
        dim = struct.unpack_from("<8q", raw, 16)
        pixdim = struct.unpack_from("<8d", raw, 104)
        offset = struct.unpack_from("<q", raw, 168)[0]
        slope, intercept = struct.unpack_from("<2d", raw, 176)
    else:
        raise ValueError(f"{path}: not a little-endian NIfTI-1 or NIfTI-2 file")
    if datatype not in NIFTI_TYPES:
        raise ValueError(f"{path}: NIfTI datatype {datatype} is not supported")
    ni, nj, nk = dim[1], dim[2], max(1, dim[3])
    count = ni * nj * nk
    data = np.frombuffer(raw, dtype=NIFTI_TYPES[datatype], count=count, offset=offset).reshape(nk, nj, ni)
    if slope not in (0.0, 1.0) or intercept != 0.0:
        data = data.astype(np.float32) * np.float32(slope if slope != 0 else 1.0) + np.float32(intercept)
    return data, (float(pixdim[3]), float(pixdim[2]), float(pixdim[1]))


def read_case(case_dir):
    """Every phase of a DATASET.md case (imaging_X + segmentation_X) or a KiTS23 case (imaging + segmentation)."""
    case_dir = Path(case_dir)
    found = []
    names = [(p, f"imaging_{p}.nii.gz", f"segmentation_{p}.nii.gz") for p in PHASES]
    names.append(("X", "imaging.nii.gz", "segmentation.nii.gz"))
    for phase, image_name, label_name in names:
        image_path = case_dir / image_name
        if not image_path.exists():
            continue
        image, spacing = read_nifti(image_path)
        label_path = case_dir / label_name
        labels = read_nifti(label_path)[0].astype(np.uint8) if label_path.exists() else None
        if labels is not None and labels.shape != image.shape:
            raise ValueError(f"{case_dir.name} phase {phase}: labels {labels.shape} differ from image {image.shape}")
        found.append(PhaseArrays(case_dir.name, phase, image, labels, spacing))
    return found


def model_grid_size(shape, spacing, target):
    # numpy's round (half to even), as the C# resampler uses.
    return [max(1, int(np.round(n * s / t))) for n, s, t in zip(shape, spacing, target)]


def to_model_grid(phase, target_spacing, device):
    """(image float32 normalised, labels uint8 or None) on the model grid, as tensors on device."""
    image = torch.from_numpy(np.ascontiguousarray(phase.image, dtype=np.float32)).to(device)
    image = (image.clamp(CLIP_MIN, CLIP_MAX) - MEAN) / SD
    size = model_grid_size(phase.image.shape, phase.spacing_zyx, target_spacing)
    image = F.interpolate(image[None, None], size=size, mode="trilinear", align_corners=False)[0, 0]
    labels = None
    if phase.labels is not None:
        labels = torch.from_numpy(phase.labels).to(device)[None, None].float()
        labels = F.interpolate(labels, size=size, mode="nearest-exact")[0, 0].to(torch.uint8)
    return image, labels


def lowest_normalised_value():
    return (CLIP_MIN - MEAN) / SD
