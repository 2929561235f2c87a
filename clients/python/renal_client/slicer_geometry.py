"""LPS geometry (what the server speaks) <-> 3D Slicer's RAS IJK-to-RAS 4x4 matrix.

The contract is DICOM/ITK LPS: voxel (i, j, k) sits at origin + direction @ diag(spacing) @ (i, j, k),
the direction's COLUMNS being the i, j, k axes in LPS. Slicer keeps the same placement as one 4x4
homogeneous matrix in RAS (vtkMRMLVolumeNode.GetIJKToRASMatrix). RAS = diag(-1, -1, 1) @ LPS, so

    ijk_to_ras = diag(-1, -1, 1, 1) @ [[direction @ diag(spacing), origin], [0, 0, 0, 1]]

and the way back reads spacing as the column norms of the 3x3 part. Both directions are exact (no
resampling), so a label map received from the server can be shown in Slicer on the very grid it
came in, and a Slicer volume uploaded with the geometry it has on screen.
"""
from __future__ import annotations

from typing import Optional, Sequence

import numpy as np

from .geometry import Geometry

# Flips x and y: the same 4x4 turns LPS into RAS and back.
LPS_TO_RAS = np.diag([-1.0, -1.0, 1.0, 1.0])


def ijk_to_lps_matrix(geometry: Geometry) -> np.ndarray:
    """4x4 homogeneous IJK -> LPS (mm) matrix of a geometry."""
    matrix = np.eye(4)
    matrix[:3, :3] = geometry.direction @ np.diag(geometry.spacing)
    matrix[:3, 3] = geometry.origin
    return matrix


def ijk_to_ras_matrix(geometry: Geometry) -> np.ndarray:
    """4x4 IJK -> RAS matrix, as vtkMRMLVolumeNode.SetIJKToRASMatrix wants it (numpy; copy into a vtkMatrix4x4)."""
    return LPS_TO_RAS @ ijk_to_lps_matrix(geometry)


def geometry_from_ijk_to_ras(ijk_to_ras: Sequence[Sequence[float]], shape_kji: Optional[Sequence[int]] = None) -> Geometry:
    """The LPS Geometry of a Slicer volume from its IJK-to-RAS 4x4 matrix.

    shape_kji: the shape of slicer.util.arrayFromVolume(node), i.e. (k, j, i); sets Geometry.size when given.
    Raises ValueError for a matrix with a zero-length axis or a projective last row.
    """
    matrix = np.asarray(ijk_to_ras, dtype=np.float64)
    if matrix.shape != (4, 4):
        raise ValueError(f"IJK-to-RAS must be 4x4, got shape {matrix.shape}")
    if not np.allclose(matrix[3], (0.0, 0.0, 0.0, 1.0)):
        raise ValueError(f"IJK-to-RAS last row must be (0, 0, 0, 1), got {matrix[3]}")
    lps = LPS_TO_RAS @ matrix
    spacing = np.linalg.norm(lps[:3, :3], axis=0)
    if not np.all(spacing > 0):
        raise ValueError(f"IJK-to-RAS has a zero-length axis (spacing {spacing})")
    size = None if shape_kji is None else (int(shape_kji[2]), int(shape_kji[1]), int(shape_kji[0]))
    return Geometry(spacing=tuple(spacing), origin=tuple(lps[:3, 3]), direction=lps[:3, :3] / spacing, size=size)


def lps_to_ras_point(point: Sequence[float]) -> np.ndarray:
    x, y, z = (float(v) for v in point)
    return np.array([-x, -y, z])


def ras_to_lps_point(point: Sequence[float]) -> np.ndarray:
    """The same flip: RAS -> LPS (e.g. a Slicer markup position before remove_lesion_at)."""
    return lps_to_ras_point(point)
