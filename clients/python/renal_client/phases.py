"""Phase names ("N", "A", "P", "D") and voxel dtypes, to and from the renal.v1 enums."""
from __future__ import annotations

from typing import Union

import numpy as np

from ._generated import types_pb2

# Unenhanced, corticomedullary (arterial), nephrographic (portal venous), excretory (delayed).
PHASE_NAMES = ("N", "A", "P", "D")

_PHASE_BY_NAME = {
    "N": types_pb2.PHASE_N,
    "A": types_pb2.PHASE_A,
    "P": types_pb2.PHASE_P,
    "D": types_pb2.PHASE_D,
}
_NAME_BY_PHASE = {value: name for name, value in _PHASE_BY_NAME.items()}

# Wire voxel types are little-endian; the dtype keys are byte-order-neutral kinds.
_VOXEL_TYPE_BY_DTYPE = {
    np.dtype(np.uint8): types_pb2.VOXEL_TYPE_UINT8,
    np.dtype("<i2"): types_pb2.VOXEL_TYPE_INT16,
    np.dtype("<u2"): types_pb2.VOXEL_TYPE_UINT16,
    np.dtype("<f4"): types_pb2.VOXEL_TYPE_FLOAT32,
}
_DTYPE_BY_VOXEL_TYPE = {value: dtype for dtype, value in _VOXEL_TYPE_BY_DTYPE.items()}

PhaseLike = Union[str, int]


def phase_to_enum(phase: PhaseLike) -> int:
    """'N' / 'A' / 'P' / 'D' (case-insensitive, or an enum value already) -> renal.v1.Phase."""
    if isinstance(phase, str):
        key = phase.strip().upper()
        if key.startswith("PHASE_"):
            key = key[len("PHASE_"):]
        if key in _PHASE_BY_NAME:
            return _PHASE_BY_NAME[key]
    elif phase in _NAME_BY_PHASE:
        return int(phase)
    raise ValueError(f"unknown phase {phase!r}: expected one of {', '.join(PHASE_NAMES)}")


def phase_name(phase: PhaseLike) -> str:
    """renal.v1.Phase value (or a name) -> 'N' / 'A' / 'P' / 'D'."""
    return _NAME_BY_PHASE[phase_to_enum(phase)]


def voxel_type_of(dtype: np.dtype) -> int:
    """numpy dtype -> renal.v1.VoxelType; byte order is ignored (the client converts to little-endian)."""
    little = np.dtype(dtype).newbyteorder("<")
    if little not in _VOXEL_TYPE_BY_DTYPE:
        raise ValueError(f"voxel dtype {np.dtype(dtype)} is not supported: use uint8, int16, uint16 or float32")
    return _VOXEL_TYPE_BY_DTYPE[little]


def dtype_of(voxel_type: int) -> np.dtype:
    """renal.v1.VoxelType -> little-endian numpy dtype."""
    if voxel_type not in _DTYPE_BY_VOXEL_TYPE:
        raise ValueError(f"voxel type {voxel_type} has no numpy dtype")
    return _DTYPE_BY_VOXEL_TYPE[voxel_type]
