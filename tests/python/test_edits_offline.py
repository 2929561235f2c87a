"""Edit encoding (changed box, run-length encoding, whole-map fallback) and the LPS <-> Slicer RAS helpers, no server."""
import hashlib

import numpy as np
import pytest

from renal_client import Geometry, geometry_from_ijk_to_ras, ijk_to_ras_matrix, lps_to_ras_point, ras_to_lps_point
from renal_client.edits import (RegionEditData, WholeMapEditData, apply_region_edit, changed_box, edit_requests,
                                plan_edit, run_length_decode, run_length_encode)
from renal_client.errors import ErrorDetails, ErrorInfo, RenalError
from renal_client.segmentation import VoxelBox

import grpc


def labels_with_kidney(shape=(20, 30, 40)):
    labels = np.zeros(shape, np.uint8)
    labels[5:15, 8:22, 10:30] = 1
    labels[8:11, 12:16, 14:19] = 2
    return labels


def test_changed_box_is_the_tight_bounding_box_in_ijk_order():
    old = labels_with_kidney()
    new = old.copy()
    new[3, 7, 11] = 3        # k=3, j=7, i=11
    new[9, 20, 25] = 0       # k=9, j=20, i=25
    assert changed_box(old, new) == VoxelBox(i0=11, j0=7, k0=3, size_i=15, size_j=14, size_k=7)
    assert changed_box(old, old.copy()) is None


def test_runs_are_i_fastest_within_the_box_and_round_trip():
    old = labels_with_kidney()
    new = old.copy()
    new[8:11, 12:16, 14:19] = 1          # erase the tumor
    new[12:14, 9:11, 20:24] = 2          # paint another one
    edit = plan_edit(old, new)
    assert isinstance(edit, RegionEditData)
    assert edit.box == changed_box(old, new)
    assert int(edit.run_lengths.sum()) == edit.box.voxel_count and len(edit.run_labels) == len(edit.run_lengths)
    assert np.array_equal(apply_region_edit(old, edit), new)
    # Wire order by hand: walk the box with i innermost and compare with the decoded runs.
    b = edit.box
    by_hand = [new[k, j, i] for k in range(b.k0, b.k0 + b.size_k) for j in range(b.j0, b.j0 + b.size_j)
               for i in range(b.i0, b.i0 + b.size_i)]
    assert run_length_decode(edit.run_lengths, edit.run_labels).tolist() == by_hand


def test_run_length_encoding_merges_equal_neighbours_only():
    lengths, labels = run_length_encode(np.array([0, 0, 2, 2, 2, 0, 1, 1], np.uint8))
    assert lengths.tolist() == [2, 3, 1, 2] and labels.tolist() == [0, 2, 0, 1]
    assert run_length_decode(lengths, labels.tobytes()).tolist() == [0, 0, 2, 2, 2, 0, 1, 1]


def test_a_box_covering_most_of_the_volume_is_sent_as_the_whole_map():
    old = labels_with_kidney()
    new = old.copy()
    new[0, 0, 0] = 1
    new[-1, -1, -1] = 1
    edit = plan_edit(old, new)
    assert isinstance(edit, WholeMapEditData)
    assert edit.sha256 == hashlib.sha256(new.tobytes()).digest()
    requests = list(edit_requests("s1", 4, edit, phase=3))
    assert requests[0].header.whole_label_map.byte_length == new.size and requests[0].header.base_revision == 4
    assert b"".join(r.chunk.data for r in requests[1:]) == new.tobytes()


def test_region_edit_request_carries_box_and_runs():
    old = labels_with_kidney()
    new = old.copy()
    new[9, 13, 15] = 0
    (request,) = list(edit_requests("s1", 2, plan_edit(old, new)))
    region = request.header.region
    assert (region.box.i0, region.box.j0, region.box.k0, region.box.size_i) == (15, 13, 9, 1)
    assert list(region.run_lengths) == [1] and region.run_labels == b"\x00"


def test_edit_arguments_are_checked():
    with pytest.raises(ValueError):
        plan_edit(np.zeros((2, 2, 2), np.uint8), np.zeros((2, 2, 3), np.uint8))
    with pytest.raises(ValueError):
        plan_edit(np.zeros((2, 2, 2), np.int32), np.full((2, 2, 2), 300, np.int32))
    assert plan_edit(np.zeros((2, 2, 2), np.uint8), np.zeros((2, 2, 2), np.uint8)) is None


def test_revision_numbers_and_points_are_checked_before_the_call():
    # A negative base revision used to fail inside gRPC's request thread and come back as UNKNOWN.
    from renal_client import RenalClient
    client = RenalClient("http://127.0.0.1:1", timeout=1)  # nothing listens: a check that let the call through would fail otherwise
    labels = labels_with_kidney()
    edited = labels.copy()
    edited[8:11, 12:16, 14:19] = 1
    with pytest.raises(ValueError, match=r"base_revision must be a revision number \(1 or more\), got -1"):
        client.submit_edit("0" * 32, -1, labels, edited)
    with pytest.raises(ValueError, match="base_revision must be"):
        client.remove_lesion_at("0" * 32, True, (0, 0, 0))
    with pytest.raises(ValueError, match=r"revision must be 0 \(the latest\) or a revision number, got 4294967296"):
        client.get_segmentation("0" * 32, revision=2**32)
    with pytest.raises(ValueError, match=r"point_lps must be three numbers \(x, y, z\) in LPS mm, got \(0, 0\)"):
        client.add_lesion_at("0" * 32, 1, (0, 0))
    with pytest.raises(ValueError, match="point_lps must be finite"):
        client.remove_lesion_at("0" * 32, 1, (float("nan"), 0, 0))
    client.close()


def test_slicer_matrix_flips_x_and_y_and_keeps_spacing():
    direction = np.array([[0.0, 1, 0], [-1.0, 0, 0], [0, 0, 1.0]])  # rotated 90 degrees in-plane
    geometry = Geometry(spacing=(0.7, 0.8, 2.5), origin=(-150.0, 120.0, 30.0), direction=direction, size=(40, 30, 20))
    matrix = ijk_to_ras_matrix(geometry)
    for ijk in [(0, 0, 0), (3, 5, 7), (39, 29, 19)]:
        lps = geometry.index_to_physical(ijk)
        ras = matrix @ np.array([*ijk, 1.0])
        assert np.allclose(ras[:3], lps_to_ras_point(lps))
        assert np.allclose(ras_to_lps_point(ras[:3]), lps)
    back = geometry_from_ijk_to_ras(matrix, shape_kji=(20, 30, 40))
    assert back.size == (40, 30, 20)
    assert np.allclose(back.spacing, geometry.spacing) and np.allclose(back.origin, geometry.origin)
    assert np.allclose(back.direction, geometry.direction)


def test_slicer_default_volume_is_lps_flipped():
    # Slicer's default (a volume loaded from an axial LPS DICOM series) has IJK-to-RAS diag(-s, -s, s).
    matrix = np.diag([-0.8, -0.8, 2.5, 1.0])
    matrix[:3, 3] = (100.0, 120.0, -40.0)
    geometry = geometry_from_ijk_to_ras(matrix)
    assert np.allclose(geometry.direction, np.eye(3)) and np.allclose(geometry.origin, (-100.0, -120.0, -40.0))
    with pytest.raises(ValueError):
        geometry_from_ijk_to_ras(np.zeros((4, 4)))


def test_aborted_error_exposes_the_current_revision():
    in_metadata = RenalError(grpc.StatusCode.ABORTED, "stale",
                             ErrorDetails(error_info=ErrorInfo("STALE_REVISION", "renal", {"current_revision": "7"})))
    assert in_metadata.current_revision == 7
    assert RenalError(grpc.StatusCode.ABORTED, "base revision 2 is stale; current revision 5").current_revision == 5
    assert RenalError(grpc.StatusCode.ABORTED, "stale").current_revision is None
