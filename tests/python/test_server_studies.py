"""The client against the real RenalGrpc server: upload, dedupe, errors, cancellation, compression, auth."""
import socket
import threading

import grpc
import numpy as np
import pytest

import renal_client.volumes
from renal_client import Geometry, RenalClient, RenalError, describe_phases, sha256_of_array

AXIAL_FLIPPED = np.array([[-1.0, 0, 0], [0, -1.0, 0], [0, 0, 1.0]])  # RAS-stored scan seen in LPS


def ct_phases(seed, shape=(12, 40, 48)):
    """Four phases with distinct grids and dtypes, as a scanner + Slicer would hand them over."""
    rng = np.random.default_rng(seed)
    volume = lambda dtype, low, high, extra=(0, 0, 0): rng.integers(  # noqa: E731
        low, high, tuple(n + e for n, e in zip(shape, extra))).astype(dtype)
    return {
        "N": (volume(np.int16, -1024, 1500), Geometry((0.8, 0.8, 2.5), (-150.0, -160.0, 400.0))),
        "A": (volume(np.int16, -1024, 1500, (2, 0, 0)), Geometry((0.75, 0.75, 3.0), (140.0, 130.0, 390.0),
                                                                 AXIAL_FLIPPED)),
        "P": (volume(np.uint16, 0, 4000, (0, 4, 0)), Geometry((0.9, 0.9, 2.0), (-151.5, -158.0, 402.0))),
        "D": (volume(np.float32, -1024, 1500, (0, 0, 8)), Geometry((0.8, 0.8, 2.5), (-150.0, -160.0, 405.0))),
    }


def test_server_info_describes_the_contract(client):
    info = client.server_info()
    assert info["subtypes"] == ["ccRCC", "pRCC", "chRCC", "oncocytoma", "AML"]
    assert info["phases_supported"] == ["N", "A", "P", "D"]
    assert [label["name"] for label in info["labels"]] == ["background", "kidney", "tumor", "cyst"]
    assert info["limits"]["max_chunk_bytes"] == 1 << 20
    assert "NONE" in info["compressions"] and info["auth_required"] is False


def test_four_phase_round_trip_keeps_hashes_and_geometry(client):
    phases = ct_phases(seed=1, shape=(24, 96, 128))  # 0.6 MB per int16 phase, 1.2 MB for float32: several chunks
    reports = []
    result = client.upload_study(phases, progress=lambda sent, total: reports.append((sent, total)))
    assert result.study_id and not result.already_stored
    total = sum(array.nbytes for array, _ in phases.values())
    assert reports[0] == (0, total) and reports[-1] == (total, total)
    assert all(a[0] <= b[0] for a, b in zip(reports, reports[1:]))
    assert result.bytes_received == {name: array.nbytes for name, (array, _) in phases.items()}

    stored = client.get_study(result.study_id)
    assert sorted(stored.phases) == ["A", "D", "N", "P"] and stored.total_bytes == total
    for name, (array, geometry) in phases.items():
        descriptor = stored.phases[name]
        assert descriptor.sha256 == sha256_of_array(array), name
        assert descriptor.dtype == array.dtype.newbyteorder("<") and descriptor.byte_length == array.nbytes
        assert descriptor.geometry == geometry.with_size_of(array), name
    assert stored.expires_at > stored.created_at
    assert result.study_id in client.list_studies().study_ids


def test_identical_upload_is_found_and_not_sent_again(client):
    phases = ct_phases(seed=2)
    first = client.upload_study(phases)
    reports = []
    second = client.upload_study(phases, progress=lambda sent, total: reports.append(sent))
    assert second.already_stored and second.study_id == first.study_id and reports == []
    assert client.find_study(describe_phases(phases)).study_id == first.study_id
    changed = dict(phases, N=(phases["N"][0] + 1, phases["N"][1]))
    assert client.find_study(changed) is None


def test_wrong_hash_is_refused_with_a_field_violation_naming_the_phase(client, monkeypatch):
    phases = ct_phases(seed=3)
    real_sha256 = renal_client.volumes.sha256_of_array
    wrong_for_a = lambda array, cancel_event=None: (  # noqa: E731
        bytes(32) if np.shares_memory(array, phases["A"][0]) else real_sha256(array, cancel_event))
    monkeypatch.setattr(renal_client.volumes, "sha256_of_array", wrong_for_a)
    with pytest.raises(RenalError) as caught:
        client.upload_study(phases)
    error = caught.value
    assert error.code == grpc.StatusCode.INVALID_ARGUMENT, error
    texts = [f"{v.field} {v.description}" for v in error.field_violations]
    assert any("PHASE_A" in text or "[A]" in text or " A " in f" {text} " or "phase A" in text for text in texts), \
        f"no field violation names phase A: {texts}"
    assert client.server_info()["server_version"]  # still serving


def test_unknown_study_is_not_found_and_delete_reports_it(client):
    with pytest.raises(RenalError) as caught:
        client.get_study("no-such-study")
    assert caught.value.code == grpc.StatusCode.NOT_FOUND
    assert client.delete_study("no-such-study") is False


def test_delete_removes_a_stored_study(client):
    result = client.upload_study(ct_phases(seed=4, shape=(4, 8, 8)))
    assert client.delete_study(result.study_id) is True
    assert result.study_id not in client.list_studies().study_ids
    with pytest.raises(RenalError) as caught:
        client.get_study(result.study_id)
    assert caught.value.code == grpc.StatusCode.NOT_FOUND


def test_cancelling_mid_upload_stores_nothing_and_the_server_keeps_working(client):
    phases = ct_phases(seed=5, shape=(40, 256, 256))  # 5 MB per int16 phase
    cancel = threading.Event()
    reports = []

    def cancel_after_two_mib(sent, total):
        reports.append(sent)
        if sent >= 2 << 20:
            cancel.set()

    before = client.list_studies().study_ids
    with pytest.raises(RenalError) as caught:
        client.upload_study(phases, progress=cancel_after_two_mib, cancel_event=cancel)
    assert caught.value.code == grpc.StatusCode.CANCELLED
    total = sum(array.nbytes for array, _ in phases.values())
    assert max(reports) < total
    assert client.find_study(phases) is None
    assert client.list_studies().study_ids == before
    small = client.upload_study(ct_phases(seed=6, shape=(4, 8, 8)))  # the same connection still uploads
    assert client.get_study(small.study_id).study_id == small.study_id


def test_an_exception_in_the_progress_callback_cancels_and_propagates(client):
    phases = ct_phases(seed=7, shape=(20, 128, 128))

    def failing_progress(sent, total):
        if sent > 0:
            raise KeyError("progress bar gone")

    with pytest.raises(KeyError, match="progress bar gone"):
        client.upload_study(phases, progress=failing_progress)
    assert client.find_study(phases) is None


def test_cancel_before_sending_raises_cancelled(client):
    cancel = threading.Event()
    cancel.set()
    with pytest.raises(RenalError) as caught:
        client.upload_study(ct_phases(seed=8, shape=(4, 8, 8)), cancel_event=cancel)
    assert caught.value.code == grpc.StatusCode.CANCELLED


@pytest.mark.parametrize("compression, module", [("zstd", "zstandard"), ("lz4", "lz4.block")])
def test_compressed_upload_sends_fewer_bytes_and_stores_the_same_voxels(client, compression, module):
    pytest.importorskip(module, reason=f"{module} module missing (Debian python3-{module.split('.')[0]})")
    offered = client.server_info()["compressions"]
    if compression == "lz4" and "LZ4" not in offered:
        pytest.skip("the server does not offer LZ4 (optional in the contract)")
    assert compression.upper() in offered
    volume = np.full((30, 128, 128), -1000, np.int16)  # air, as around a patient
    volume[:, 32:96, 32:96] = np.random.default_rng(9).integers(0, 80, (30, 64, 64))  # soft tissue
    phases = {"P": (volume, Geometry((0.7, 0.7, 1.5 if compression == "zstd" else 1.25)))}
    result = client.upload_study(phases, compression=compression)
    assert 0 < result.bytes_received["P"] < volume.nbytes / 3
    assert client.get_study(result.study_id).phases["P"].sha256 == sha256_of_array(volume)


def test_token_is_required_and_accepted(server_with_token):
    with RenalClient(server_with_token.url, timeout=20) as anonymous:
        with pytest.raises(RenalError) as caught:
            anonymous.list_studies()
        assert caught.value.code == grpc.StatusCode.UNAUTHENTICATED
    with RenalClient(server_with_token.url, token="wrong", timeout=20) as impostor:
        with pytest.raises(RenalError) as caught:
            impostor.list_studies()
        assert caught.value.code in (grpc.StatusCode.UNAUTHENTICATED, grpc.StatusCode.PERMISSION_DENIED)
    with RenalClient(server_with_token.url, token=server_with_token.token, timeout=20) as member:
        assert member.server_info()["auth_required"] is True
        result = member.upload_study(ct_phases(seed=10, shape=(4, 8, 8)))
        assert result.study_id in member.list_studies().study_ids


def test_unreachable_server_raises_unavailable():
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with RenalClient(f"http://127.0.0.1:{port}", timeout=5) as client:
        with pytest.raises(RenalError) as caught:
            client.server_info()
    assert caught.value.code == grpc.StatusCode.UNAVAILABLE
