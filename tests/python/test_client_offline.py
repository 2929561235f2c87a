"""Client behaviour that needs no server: phases, geometry, wire bytes, chunks, error details, URLs."""
import hashlib

import grpc
import numpy as np
import pytest
from google.protobuf import any_pb2

from renal_client import Geometry, PhaseDescriptor, RenalError, describe_phases, phase_name, phase_to_enum
from renal_client import sha256_of_array, wire_array
from renal_client._generated import google_rpc_pb2, types_pb2
from renal_client.endpoint import Endpoint
from renal_client.errors import parse_status_details
from renal_client.volumes import compression_of, prepare_phase, volume_chunks


def test_phase_names_map_to_the_contract_enum_both_ways():
    assert [phase_to_enum(p) for p in "NAPD"] == [types_pb2.PHASE_N, types_pb2.PHASE_A, types_pb2.PHASE_P,
                                                   types_pb2.PHASE_D]
    assert [phase_name(v) for v in (1, 2, 3, 4)] == ["N", "A", "P", "D"]
    assert phase_to_enum("phase_a") == types_pb2.PHASE_A
    with pytest.raises(ValueError, match="unknown phase 'X'"):
        phase_to_enum("X")
    with pytest.raises(ValueError):
        phase_name(types_pb2.PHASE_UNSPECIFIED)


def test_wire_bytes_are_little_endian_c_order_and_hashed_like_hashlib():
    volume = np.arange(5 * 6 * 7, dtype=">i2").reshape(5, 6, 7)[:, :, ::-1]  # big-endian, not contiguous
    wire = wire_array(volume)
    assert wire.flags.c_contiguous and wire.dtype == np.dtype("<i2")
    np.testing.assert_array_equal(wire, volume)
    assert sha256_of_array(volume) == hashlib.sha256(np.ascontiguousarray(volume).astype("<i2").tobytes()).digest()


@pytest.mark.parametrize("dtype", [np.int32, np.float64, np.bool_])
def test_unsupported_dtypes_are_refused_with_the_phase_named(dtype):
    with pytest.raises(ValueError, match="phase A: voxel dtype .* not supported"):
        describe_phases({"A": (np.zeros((2, 2, 2), dtype), Geometry())})


def test_geometry_size_comes_from_the_array_shape_k_j_i_and_survives_the_proto():
    direction = np.array([[0, 0, 1], [1, 0, 0], [0, 1, 0]], dtype=float)  # sagittal-like, still orthonormal
    geometry = Geometry(spacing=(0.7, 0.8, 2.5), origin=(-100, 50.5, 300), direction=direction)
    sized = geometry.with_size_of(np.zeros((3, 4, 5), np.uint8))
    assert sized.size == (5, 4, 3)
    message = sized.to_proto()
    assert (message.size_i, message.size_j, message.size_k) == (5, 4, 3)
    assert list(message.direction) == list(direction.reshape(-1))  # row-major, columns are the axes
    assert Geometry.from_proto(message) == sized
    np.testing.assert_allclose(sized.index_to_physical((1, 0, 0)), (-100, 50.5 + 0.7, 300))


def test_bad_geometry_is_refused_before_sending():
    with pytest.raises(ValueError, match="phase N: spacing must be finite and > 0"):
        describe_phases({"N": (np.zeros((2, 2, 2), np.int16), Geometry(spacing=(1, 0, 1)))})
    with pytest.raises(ValueError, match="orthonormal"):
        describe_phases({"N": (np.zeros((2, 2, 2), np.int16), Geometry(direction=np.ones((3, 3))))})
    with pytest.raises(ValueError, match="does not match the array shape"):
        Geometry(size=(2, 2, 3)).with_size_of(np.zeros((2, 2, 2)))


def test_nan_or_infinite_voxels_are_refused_before_sending_and_huge_finite_ones_are_not():
    volume = np.zeros((2, 3, 4), np.float32)
    volume[0, 1, 2] = np.nan
    volume[1, 2, 3] = -np.inf
    with pytest.raises(ValueError, match="phase D: 2 of 24 voxels are NaN or infinite"):
        describe_phases({"D": (volume, Geometry())})
    volume[0, 1, 2] = volume[1, 2, 3] = np.finfo(np.float32).max
    assert describe_phases({"D": (volume, Geometry())})[0].byte_length == 96


def test_one_scan_given_for_two_phases_is_refused_before_sending():
    scan = np.arange(24, dtype=np.int16).reshape(2, 3, 4)
    with pytest.raises(ValueError, match="phases N and P have the same voxels"):
        describe_phases({"N": (scan, Geometry()), "P": (scan.copy(), Geometry(spacing=(0.7, 0.7, 2.5)))})
    other = scan.copy()
    other[1, 2, 3] += 1
    assert len(describe_phases({"N": (scan, Geometry()), "P": (other, Geometry())})) == 2


def _decompressor(compression):
    if compression == "zstd":
        zstandard = pytest.importorskip("zstandard", reason="Debian python3-zstandard is not installed")
        return types_pb2.COMPRESSION_ZSTD, lambda data, size: zstandard.ZstdDecompressor().decompress(data)
    lz4_block = pytest.importorskip("lz4.block", reason="Debian python3-lz4 is not installed")
    return types_pb2.COMPRESSION_LZ4, lambda data, size: lz4_block.decompress(data, uncompressed_size=size)


@pytest.mark.parametrize("compression", ["zstd", "lz4"])
def test_chunks_cover_the_volume_in_order_and_compressed_chunks_decompress_to_it(compression):
    expected_kind, decompress = _decompressor(compression)
    volume = np.zeros((40, 64, 64), np.int16)  # 327,680 bytes: compressible
    volume[10:20] = np.random.default_rng(1).integers(-32768, 32767, (10, 64, 64))  # and a part that is not
    prepared = prepare_phase("P", volume, Geometry())
    enum, compress = compression_of(compression)
    assert enum == expected_kind
    rebuilt = bytearray()
    kinds = set()
    for chunk, length in volume_chunks(prepared, enum, compress, chunk_bytes=32768):
        assert chunk.offset == len(rebuilt) and len(chunk.data) <= 32768 and chunk.phase == types_pb2.PHASE_P
        kinds.add(chunk.compression)
        if chunk.compression == expected_kind:
            assert chunk.uncompressed_length == length
            rebuilt += decompress(chunk.data, length)
        else:
            rebuilt += chunk.data
    assert bytes(rebuilt) == volume.tobytes()
    assert kinds == {expected_kind, types_pb2.COMPRESSION_NONE}  # incompressible chunks go raw


def test_descriptor_round_trips_through_the_proto():
    descriptor = describe_phases({"d": (np.ones((2, 3, 4), np.float32), Geometry(origin=(1, 2, 3)))})[0]
    assert descriptor.phase == "D" and descriptor.byte_length == 96
    assert PhaseDescriptor.from_proto(descriptor.to_proto()) == descriptor


def _packed(message, type_name):
    detail = any_pb2.Any()
    detail.type_url = f"type.googleapis.com/{type_name}"
    detail.value = message.SerializeToString()
    return detail


def test_status_details_trailer_is_decoded():
    status = google_rpc_pb2.Status(code=3, message="bad")
    bad = google_rpc_pb2.BadRequest()
    bad.field_violations.add(field="phases[A].sha256", description="hash mismatch")
    info = google_rpc_pb2.ErrorInfo(reason="SHA256_MISMATCH", domain="renal.v1", metadata={"phase": "A"})
    retry = google_rpc_pb2.RetryInfo()
    retry.retry_delay.seconds, retry.retry_delay.nanos = 2, 500_000_000
    quota = google_rpc_pb2.QuotaFailure()
    quota.violations.add(subject="memory", description="budget exceeded")
    status.details.extend([_packed(bad, "google.rpc.BadRequest"), _packed(info, "google.rpc.ErrorInfo"),
                           _packed(retry, "google.rpc.RetryInfo"), _packed(quota, "google.rpc.QuotaFailure"),
                           _packed(info, "example.Unknown")])
    details = parse_status_details([("x", "y"), ("grpc-status-details-bin", status.SerializeToString())])
    assert [(v.field, v.description) for v in details.field_violations] == [("phases[A].sha256", "hash mismatch")]
    assert details.error_info.reason == "SHA256_MISMATCH" and details.error_info.metadata == {"phase": "A"}
    assert details.retry_delay_seconds == 2.5
    assert details.quota_violations[0].subject == "memory"
    assert details.unknown_types == ("type.googleapis.com/example.Unknown",)
    error = RenalError(grpc.StatusCode.INVALID_ARGUMENT, "bad", details)
    assert "phases[A].sha256: hash mismatch" in str(error) and str(error).startswith("INVALID_ARGUMENT: bad")


def test_missing_or_garbled_details_give_empty_details():
    assert parse_status_details([]).field_violations == ()
    assert parse_status_details([("grpc-status-details-bin", b"\xff\xff\xff")]).unknown_types


@pytest.mark.parametrize("url, secure, target", [
    ("http://127.0.0.1:50051", False, "127.0.0.1:50051"),
    ("https://renal.example.org", True, "renal.example.org:443"),
    ("localhost:6000", False, "localhost:6000"),
    ("http://[::1]:7000/", False, "[::1]:7000"),
])
def test_urls_become_grpc_targets(url, secure, target):
    assert Endpoint.parse(url) == Endpoint(secure, target)


@pytest.mark.parametrize("url", ["ftp://host:1", "http://host:1/path", "http://:5"])
def test_bad_urls_are_refused(url):
    with pytest.raises(ValueError, match="server URL"):
        Endpoint.parse(url)
