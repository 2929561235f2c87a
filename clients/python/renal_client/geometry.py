"""Where a voxel grid sits in patient space (DICOM/ITK LPS millimetres), as in renal.v1.Geometry."""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Optional, Sequence, Tuple

import numpy as np

from ._generated import types_pb2

Triple = Tuple[float, float, float]
ORTHONORMAL_TOLERANCE = 1e-3  # the contract's tolerance for direction cosines


def _identity() -> np.ndarray:
    return np.eye(3)


@dataclass(frozen=True)
class Geometry:
    """Grid placement in LPS.

    Physical point of voxel (i, j, k) = origin + direction @ diag(spacing) @ (i, j, k).
    `spacing` and `origin` are (i, j, k) / (x, y, z) triples in mm; `direction` is a 3x3 array whose
    COLUMNS are the unit i, j, k axes in LPS (identity = axial LPS). `size` is (size_i, size_j, size_k);
    leave it None when uploading: it is taken from the array, whose shape is (k, j, i).
    """

    spacing: Triple = (1.0, 1.0, 1.0)
    origin: Triple = (0.0, 0.0, 0.0)
    direction: np.ndarray = field(default_factory=_identity)
    size: Optional[Tuple[int, int, int]] = None

    def __post_init__(self) -> None:
        # Normalise the inputs (lists, numpy arrays) so equality and hashing behave predictably.
        object.__setattr__(self, "spacing", _triple("spacing", self.spacing))
        object.__setattr__(self, "origin", _triple("origin", self.origin))
        direction = np.array(self.direction, dtype=np.float64).reshape(3, 3) if np.size(self.direction) == 9 else None
        if direction is None:
            raise ValueError(f"direction must be 3x3 (9 values), got shape {np.shape(self.direction)}")
        direction.setflags(write=False)
        object.__setattr__(self, "direction", direction)
        if self.size is not None:
            object.__setattr__(self, "size", tuple(int(n) for n in self.size))

    def validate(self) -> None:
        """Raises ValueError for what the server would refuse: non-positive spacing, non-orthonormal axes."""
        if not all(math.isfinite(s) and s > 0 for s in self.spacing):
            raise ValueError(f"spacing must be finite and > 0, got {self.spacing}")
        if not all(math.isfinite(o) for o in self.origin):
            raise ValueError(f"origin must be finite, got {self.origin}")
        error = np.abs(self.direction.T @ self.direction - np.eye(3)).max()
        if not math.isfinite(error) or error > ORTHONORMAL_TOLERANCE:
            raise ValueError(f"direction columns must be orthonormal (tolerance {ORTHONORMAL_TOLERANCE}), "
                             f"deviation {error:.3g}")

    def with_size_of(self, array: np.ndarray) -> "Geometry":
        """This geometry with size taken from an array of shape (k, j, i); checks a size already set."""
        if array.ndim != 3:
            raise ValueError(f"a volume must be a 3-D array of shape (k, j, i), got shape {array.shape}")
        size = (int(array.shape[2]), int(array.shape[1]), int(array.shape[0]))
        if self.size is not None and tuple(self.size) != size:
            raise ValueError(f"geometry size (i, j, k) {self.size} does not match the array shape (k, j, i) {array.shape}")
        return Geometry(self.spacing, self.origin, self.direction, size)

    def index_to_physical(self, ijk: Sequence[float]) -> np.ndarray:
        return np.asarray(self.origin) + self.direction @ (np.asarray(self.spacing) * np.asarray(ijk, dtype=np.float64))

    def to_proto(self) -> types_pb2.Geometry:
        if self.size is None:
            raise ValueError("geometry has no size: use with_size_of(array) first")
        message = types_pb2.Geometry(size_i=self.size[0], size_j=self.size[1], size_k=self.size[2])
        message.spacing.x, message.spacing.y, message.spacing.z = self.spacing
        message.origin.x, message.origin.y, message.origin.z = self.origin
        message.direction.extend(float(v) for v in self.direction.reshape(-1))  # row-major
        return message

    @classmethod
    def from_proto(cls, message: types_pb2.Geometry) -> "Geometry":
        direction = np.array(message.direction, dtype=np.float64).reshape(3, 3) if len(message.direction) == 9 else np.eye(3)
        return cls(spacing=(message.spacing.x, message.spacing.y, message.spacing.z),
                   origin=(message.origin.x, message.origin.y, message.origin.z),
                   direction=direction,
                   size=(message.size_i, message.size_j, message.size_k))

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Geometry):
            return NotImplemented
        return (self.spacing == other.spacing and self.origin == other.origin and self.size == other.size
                and np.array_equal(self.direction, other.direction))

    def __hash__(self) -> int:
        return hash((self.spacing, self.origin, self.size, self.direction.tobytes()))


def _triple(name: str, values: Sequence[float]) -> Triple:
    if len(values) != 3:
        raise ValueError(f"{name} must have 3 values, got {len(values)}")
    return (float(values[0]), float(values[1]), float(values[2]))
