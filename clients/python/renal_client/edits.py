"""Turning "old labels -> new labels" into the smallest SubmitEdit the contract allows.

A RegionEdit is the bounding box of the changed voxels plus the box's new labels run-length encoded in
wire order (i fastest, then j, then k, within the box). When the box covers most of the volume, or the
runs would not be smaller than the raw map, the whole label map is sent instead (WholeLabelMapEdit).
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Iterator, Optional, Union

import numpy as np

from ._generated import analysis_pb2, types_pb2
from .segmentation import VoxelBox
from .volumes import MAX_CHUNK_BYTES

WHOLE_MAP_FRACTION = 0.5  # a box covering more than this share of the volume is sent as the whole map
BYTES_PER_RUN = 5         # a run costs about a uint32 length (varint, 1-5 bytes) plus its label byte


@dataclass(frozen=True)
class RegionEditData:
    box: VoxelBox
    run_lengths: np.ndarray  # uint32
    run_labels: bytes        # one byte per run

    def to_proto(self) -> analysis_pb2.RegionEdit:
        return analysis_pb2.RegionEdit(box=self.box.to_proto(), run_lengths=self.run_lengths.tolist(),
                                       run_labels=self.run_labels)


@dataclass(frozen=True)
class WholeMapEditData:
    labels: np.ndarray  # uint8 (k, j, i), C-contiguous
    sha256: bytes


EditData = Union[RegionEditData, WholeMapEditData]


def check_label_arrays(old: np.ndarray, new: np.ndarray) -> None:
    if old.ndim != 3 or old.shape != new.shape:
        raise ValueError(f"old and new labels must be 3-D arrays of the same shape (k, j, i), got {old.shape} and {new.shape}")
    for name, array in (("old", old), ("new", new)):
        if array.dtype.kind not in "iub":
            raise ValueError(f"{name} labels must be integers, got {array.dtype}")
    if new.size and (new.min() < 0 or new.max() > 255):
        raise ValueError("new labels must be in 0..255 (KiTS23: 0 background, 1 kidney, 2 tumor, 3 cyst)")


def changed_box(old: np.ndarray, new: np.ndarray) -> Optional[VoxelBox]:
    """Bounding box (in i, j, k) of the voxels whose label differs; None when nothing changed."""
    check_label_arrays(old, new)
    changed = old != new
    extents = []
    for axis in range(3):  # axis 0 = k, 1 = j, 2 = i
        other = tuple(a for a in range(3) if a != axis)
        hits = np.flatnonzero(changed.any(axis=other))
        if hits.size == 0:
            return None
        extents.append((int(hits[0]), int(hits[-1]) + 1))
    (k0, k1), (j0, j1), (i0, i1) = extents
    return VoxelBox(i0, j0, k0, i1 - i0, j1 - j0, k1 - k0)


def run_length_encode(values: np.ndarray):
    """(run_lengths uint32, run_labels uint8) of a flat array: values[n] repeated run_lengths[n] times."""
    flat = np.asarray(values).reshape(-1)
    if flat.size == 0:
        return np.zeros(0, np.uint32), np.zeros(0, np.uint8)
    starts = np.concatenate(([0], np.flatnonzero(flat[1:] != flat[:-1]) + 1))
    lengths = np.diff(np.concatenate((starts, [flat.size])))
    return lengths.astype(np.uint32), flat[starts].astype(np.uint8)


def run_length_decode(run_lengths, run_labels) -> np.ndarray:
    labels = np.frombuffer(run_labels, np.uint8) if isinstance(run_labels, (bytes, bytearray)) else np.asarray(run_labels)
    return np.repeat(labels.astype(np.uint8), np.asarray(run_lengths, dtype=np.int64))


def region_edit(new: np.ndarray, box: VoxelBox) -> RegionEditData:
    """The box's labels from `new`, run-length encoded in wire order (C order of the (k, j, i) sub-array)."""
    lengths, labels = run_length_encode(np.ascontiguousarray(new[box.slices]))
    return RegionEditData(box, lengths, labels.tobytes())


def apply_region_edit(labels: np.ndarray, edit: RegionEditData) -> np.ndarray:
    """A copy of labels with the edit applied (what the server does; used to check the encoding)."""
    result = labels.copy()
    block = run_length_decode(edit.run_lengths, edit.run_labels)
    if block.size != edit.box.voxel_count:
        raise ValueError(f"runs cover {block.size} voxels, the box {edit.box.voxel_count}")
    result[edit.box.slices] = block.reshape(edit.box.size_k, edit.box.size_j, edit.box.size_i)
    return result


def plan_edit(old: np.ndarray, new: np.ndarray, whole_map_fraction: float = WHOLE_MAP_FRACTION) -> Optional[EditData]:
    """The edit that turns old into new: a RegionEdit, or the whole map when that is about as small. None = no change."""
    box = changed_box(old, new)
    if box is None:
        return None
    whole = np.ascontiguousarray(new, dtype=np.uint8)
    if box.voxel_count <= whole_map_fraction * new.size:
        region = region_edit(new, box)
        if len(region.run_labels) * BYTES_PER_RUN < whole.nbytes:
            return region
    return WholeMapEditData(whole, hashlib.sha256(whole).digest())


def edit_requests(study_id: str, base_revision: int, edit: EditData,
                  phase: int = types_pb2.PHASE_UNSPECIFIED) -> Iterator[analysis_pb2.SubmitEditRequest]:
    """The SubmitEdit request stream: an EditHeader, then (whole map only) chunks of at most 1 MiB."""
    header = analysis_pb2.EditHeader(study_id=study_id, base_revision=base_revision)
    if isinstance(edit, RegionEditData):
        header.region.CopyFrom(edit.to_proto())
        yield analysis_pb2.SubmitEditRequest(header=header)
        return
    data = memoryview(edit.labels.reshape(-1))
    header.whole_label_map.CopyFrom(analysis_pb2.WholeLabelMapEdit(byte_length=len(data), sha256=edit.sha256))
    yield analysis_pb2.SubmitEditRequest(header=header)
    for offset in range(0, len(data), MAX_CHUNK_BYTES):
        chunk = types_pb2.VolumeChunk(phase=phase, offset=offset, data=bytes(data[offset:offset + MAX_CHUNK_BYTES]))
        yield analysis_pb2.SubmitEditRequest(chunk=chunk)


MAX_REVISION = 2**32 - 1


def checked_revision(value, name: str, latest: bool = False) -> int:
    """A revision number as the contract carries it (uint32); 0 means "latest" where `latest` allows it.

    Checked before the call: protobuf's own range error would surface from gRPC's request thread as UNKNOWN.
    """
    lowest = 0 if latest else 1
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or not lowest <= value <= MAX_REVISION:
        meaning = "0 (the latest) or a revision number" if latest else "a revision number (1 or more)"
        raise ValueError(f"{name} must be {meaning}, got {value!r}")
    return int(value)


def lps_point(point_lps) -> tuple:
    """Three finite numbers (x, y, z) in LPS millimetres, or ValueError."""
    try:
        x, y, z = (float(v) for v in point_lps)
    except (TypeError, ValueError):
        raise ValueError(f"point_lps must be three numbers (x, y, z) in LPS mm, got {point_lps!r}") from None
    if not all(np.isfinite((x, y, z))):
        raise ValueError(f"point_lps must be finite, got ({x}, {y}, {z})")
    return x, y, z


def hint_request(study_id: str, base_revision: int, point_lps, action: int) -> analysis_pb2.SubmitEditRequest:
    x, y, z = lps_point(point_lps)
    base_revision = checked_revision(base_revision, "base_revision")
    hint = analysis_pb2.LesionHint(point_lps=types_pb2.Vector3(x=x, y=y, z=z), action=action)
    return analysis_pb2.SubmitEditRequest(header=analysis_pb2.EditHeader(study_id=study_id, base_revision=base_revision,
                                                                          hint=hint))
