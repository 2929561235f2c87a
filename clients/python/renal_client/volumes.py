"""Turning numpy volumes into renal.v1 descriptors and upload chunks."""
from __future__ import annotations

import hashlib
import threading
from dataclasses import dataclass
from typing import Callable, Iterator, Optional, Tuple, Union

import numpy as np

from ._generated import types_pb2
from .geometry import Geometry
from .phases import dtype_of, phase_name, phase_to_enum, voxel_type_of

MAX_CHUNK_BYTES = 1 << 20  # the contract's limit for VolumeChunk.data as sent
_HASH_BLOCK_BYTES = 16 << 20  # hash in blocks so a cancel request is noticed within milliseconds

COMPRESSION_BY_NAME = {
    "none": types_pb2.COMPRESSION_NONE,
    "zstd": types_pb2.COMPRESSION_ZSTD,
    "lz4": types_pb2.COMPRESSION_LZ4,
}


class UploadCancelled(Exception):
    """Raised inside the client when its cancel_event is set; surfaces as RenalError(CANCELLED)."""


def wire_array(array: np.ndarray, phase: str = "") -> np.ndarray:
    """The array as the wire wants it: C-contiguous, little-endian, shape (k, j, i). Copies only if needed."""
    array = np.asarray(array)
    where = f"phase {phase}: " if phase else ""
    if array.ndim != 3:
        raise ValueError(f"{where}a volume must be a 3-D array of shape (k, j, i), got shape {array.shape}")
    if array.size == 0:
        raise ValueError(f"{where}the volume is empty (shape {array.shape})")
    try:
        voxel_type_of(array.dtype)
    except ValueError as error:
        raise ValueError(f"{where}{error}") from None
    little = array.dtype.newbyteorder("<")
    if array.dtype != little:
        array = array.astype(little)
    return np.ascontiguousarray(array)


def array_bytes(array: np.ndarray) -> memoryview:
    """A flat, zero-copy byte view of a C-contiguous array."""
    return memoryview(array.reshape(-1).view(np.uint8))


def sha256_of_array(array: np.ndarray, cancel_event: Optional[threading.Event] = None) -> bytes:
    """SHA-256 (32 bytes) of the array's voxel bytes in wire order (little-endian, i fastest)."""
    data = array_bytes(wire_array(array))
    digest = hashlib.sha256()
    for start in range(0, len(data), _HASH_BLOCK_BYTES):
        if cancel_event is not None and cancel_event.is_set():
            raise UploadCancelled()
        digest.update(data[start:start + _HASH_BLOCK_BYTES])
    return digest.digest()


@dataclass(frozen=True)
class PhaseDescriptor:
    """One phase's volume as the server knows it (renal.v1.VolumeDescriptor)."""

    phase: str  # "N", "A", "P" or "D"
    dtype: np.dtype
    geometry: Geometry  # with size
    byte_length: int
    sha256: bytes

    @property
    def sha256_hex(self) -> str:
        return self.sha256.hex()

    def to_proto(self) -> types_pb2.VolumeDescriptor:
        return types_pb2.VolumeDescriptor(phase=phase_to_enum(self.phase), voxel_type=voxel_type_of(self.dtype),
                                          geometry=self.geometry.to_proto(), byte_length=self.byte_length,
                                          sha256=self.sha256)

    @classmethod
    def from_proto(cls, message: types_pb2.VolumeDescriptor) -> "PhaseDescriptor":
        return cls(phase=phase_name(message.phase), dtype=dtype_of(message.voxel_type),
                   geometry=Geometry.from_proto(message.geometry), byte_length=message.byte_length,
                   sha256=bytes(message.sha256))


@dataclass(frozen=True)
class PreparedPhase:
    """A phase ready to send: its descriptor and the wire-ready array."""

    descriptor: PhaseDescriptor
    array: np.ndarray


def prepare_phase(phase: str, array: np.ndarray, geometry: Geometry,
                  cancel_event: Optional[threading.Event] = None) -> PreparedPhase:
    name = phase_name(phase)
    wire = wire_array(array, name)
    try:
        sized = geometry.with_size_of(wire)
        sized.validate()
    except ValueError as error:
        raise ValueError(f"phase {name}: {error}") from None
    if wire.dtype.kind == "f":
        # The server refuses these too (NaN would read as background and hide a tumor); failing here saves the upload.
        non_finite = wire.size - int(np.count_nonzero(np.isfinite(wire)))
        if non_finite:
            raise ValueError(f"phase {name}: {non_finite} of {wire.size} voxels are NaN or infinite; replace them "
                             "(e.g. with -1024 HU, air, outside the scanned field) before uploading")
    descriptor = PhaseDescriptor(phase=name, dtype=wire.dtype, geometry=sized, byte_length=wire.nbytes,
                                 sha256=sha256_of_array(wire, cancel_event))
    return PreparedPhase(descriptor, wire)


Compressor = Callable[[memoryview], bytes]


def compression_of(compression: Union[None, str, int]) -> Tuple[int, Optional[Compressor]]:
    """compression=None/'none'/'zstd'/'lz4' (or the enum) -> (enum, compress function or None)."""
    if compression is None:
        return types_pb2.COMPRESSION_NONE, None
    value = COMPRESSION_BY_NAME.get(compression.lower()) if isinstance(compression, str) else compression
    if value == types_pb2.COMPRESSION_NONE:
        return value, None
    if value == types_pb2.COMPRESSION_ZSTD:
        try:
            import zstandard  # optional: Debian python3-zstandard or pip zstandard
        except ImportError:
            raise ValueError("compression 'zstd' needs the zstandard module (apt install python3-zstandard)") from None
        compressor = zstandard.ZstdCompressor(level=1)  # one frame per chunk; level 1 keeps up with the network
        return value, compressor.compress
    if value == types_pb2.COMPRESSION_LZ4:
        try:
            import lz4.block  # optional: Debian python3-lz4 or pip lz4
        except ImportError:
            raise ValueError("compression 'lz4' needs the lz4 module (apt install python3-lz4)") from None
        return value, lambda data: lz4.block.compress(data, store_size=False)  # raw block, no frame
    raise ValueError(f"unknown compression {compression!r}: expected None, 'zstd' or 'lz4'")


def volume_chunks(prepared: PreparedPhase, compression: int, compress: Optional[Compressor],
                  chunk_bytes: int = MAX_CHUNK_BYTES) -> Iterator[Tuple[types_pb2.VolumeChunk, int]]:
    """Yields (chunk, uncompressed length) covering the phase's bytes in order."""
    if not 0 < chunk_bytes <= MAX_CHUNK_BYTES:
        raise ValueError(f"chunk_bytes must be in 1..{MAX_CHUNK_BYTES}, got {chunk_bytes}")
    data = array_bytes(prepared.array)
    phase = phase_to_enum(prepared.descriptor.phase)
    for offset in range(0, len(data), chunk_bytes):
        piece = data[offset:offset + chunk_bytes]
        packed = compress(piece) if compress is not None else None
        if packed is not None and len(packed) < len(piece):
            chunk = types_pb2.VolumeChunk(phase=phase, offset=offset, data=packed, compression=compression,
                                          uncompressed_length=len(piece))
        else:
            # Incompressible data may grow past the 1 MiB limit when compressed: send it as is.
            # protobuf 3.21 accepts only bytes for bytes fields, hence the copy.
            chunk = types_pb2.VolumeChunk(phase=phase, offset=offset, data=bytes(piece))
        yield chunk, len(piece)
