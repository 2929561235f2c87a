"""Results of the AnalysisService: label maps with their geometry, progress events, the diagnosis as a dict."""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any, Dict, Optional, Tuple

import grpc
import numpy as np
from google.protobuf import json_format

from ._generated import analysis_pb2, types_pb2
from .errors import RenalError
from .geometry import Geometry
from .phases import phase_name


def message_to_dict(message: Any) -> Dict[str, Any]:
    """A proto message as a plain dict: camelCase keys (the proto's JSON names) and fields at their defaults too.

    WHY two spellings: protobuf >= 5 renamed including_default_value_fields (Debian's 3.21 has the old one,
    Slicer's pip install may bring the new one).
    """
    try:
        return json_format.MessageToDict(message, always_print_fields_with_no_presence=True)
    except TypeError:
        return json_format.MessageToDict(message, including_default_value_fields=True)


def diagnosis_dict(diagnosis: analysis_pb2.Diagnosis) -> Dict[str, Any]:
    """renal.v1.Diagnosis as a dict: studyId, revision, referencePhase, lesions [{id, label, volumeMl,
    largestDiameterMm, side, centroidLps, boundingBox, meanHu, subtypeProbabilities, predictedSubtype,
    malignancyProbability}], subtypeProbabilities, predictedSubtype, malignancyProbability, verdict,
    modelVersion, timings, and after Analyze refinement (what the kidney-ROI stage did: ran, skippedBecause,
    boxes, lesionsAdded, voxelsRelabelled, proposalsDropped, phasesFilled, lesionsRetyped)."""
    return message_to_dict(diagnosis)


def phase_or_empty(value: int) -> str:
    return "" if value == types_pb2.PHASE_UNSPECIFIED else phase_name(value)


@dataclass(frozen=True)
class VoxelBox:
    """A box of voxels [i0, i0 + size_i) x [j0, ...) x [k0, ...) in a grid (renal.v1.VoxelBox)."""

    i0: int = 0
    j0: int = 0
    k0: int = 0
    size_i: int = 0
    size_j: int = 0
    size_k: int = 0

    @property
    def is_empty(self) -> bool:
        return self.size_i == 0 or self.size_j == 0 or self.size_k == 0

    @property
    def voxel_count(self) -> int:
        return self.size_i * self.size_j * self.size_k

    @property
    def slices(self) -> Tuple[slice, slice, slice]:
        """Index of the box into an array of shape (k, j, i): labels[box.slices]."""
        return (slice(self.k0, self.k0 + self.size_k), slice(self.j0, self.j0 + self.size_j),
                slice(self.i0, self.i0 + self.size_i))

    def to_proto(self) -> types_pb2.VoxelBox:
        return types_pb2.VoxelBox(i0=self.i0, j0=self.j0, k0=self.k0, size_i=self.size_i, size_j=self.size_j,
                                  size_k=self.size_k)

    @classmethod
    def from_proto(cls, message: types_pb2.VoxelBox) -> "VoxelBox":
        return cls(message.i0, message.j0, message.k0, message.size_i, message.size_j, message.size_k)


@dataclass(frozen=True)
class ProgressEvent:
    stage: str            # "QUEUED", "PREPROCESSING", "SEGMENTATION", "ALIGNMENT", "REFINEMENT", "CLASSIFICATION", "ENCODING"
    fraction: float       # 0..1 within the stage
    queue_position: int   # 1 = next; only while QUEUED
    phase: str            # "N", "A", "P", "D" or "" when the stage is not per phase
    message: str

    @classmethod
    def from_proto(cls, message: analysis_pb2.Progress) -> "ProgressEvent":
        try:
            stage = analysis_pb2.Stage.Name(message.stage)[len("STAGE_"):]
        except ValueError:  # a newer server's stage
            stage = str(message.stage)
        return cls(stage, message.fraction, message.queue_position, phase_or_empty(message.phase), message.message)


@dataclass(frozen=True)
class LabelMap:
    """A uint8 label map of shape (k, j, i) (0 background, 1 kidney, 2 tumor, 3 cyst) and its LPS geometry."""

    labels: np.ndarray
    geometry: Geometry
    phase: str                # whose grid
    revision: int
    is_reference_grid: bool


@dataclass(frozen=True)
class AnalysisResult:
    labels: np.ndarray        # uint8, shape (k, j, i), in the reference phase's grid
    geometry: Geometry        # of labels (LPS, with size)
    reference_phase: str
    revision: int
    diagnosis: Dict[str, Any]  # see diagnosis_dict
    phase_masks: Dict[str, LabelMap] = field(default_factory=dict)  # per phase, in its own grid (on request)

    @property
    def lesions(self):
        return self.diagnosis.get("lesions", [])


@dataclass(frozen=True)
class EditResult:
    revision: int
    changed_region: VoxelBox  # empty when nothing changed
    diagnosis: Dict[str, Any]

    @classmethod
    def from_proto(cls, message: analysis_pb2.SubmitEditResponse) -> "EditResult":
        return cls(message.revision, VoxelBox.from_proto(message.changed_region), diagnosis_dict(message.diagnosis))


class LabelMapReceiver:
    """Assembles one streamed label map (header, then chunks at byte offsets) and checks length and SHA-256."""

    def __init__(self, header: analysis_pb2.SegmentationHeader) -> None:
        if header.voxel_type != types_pb2.VOXEL_TYPE_UINT8:
            raise RenalError(grpc.StatusCode.INTERNAL, f"segmentation voxel type {header.voxel_type} is not UINT8")
        self.header = header
        self.geometry = Geometry.from_proto(header.geometry)
        expected = self.geometry.size[0] * self.geometry.size[1] * self.geometry.size[2]
        if header.byte_length != expected:
            raise RenalError(grpc.StatusCode.INTERNAL,
                             f"segmentation byte_length {header.byte_length} != voxel count {expected}")
        self._buffer = np.zeros(expected, dtype=np.uint8)
        self._received = 0

    def add(self, chunk: types_pb2.VolumeChunk) -> None:
        data = _chunk_bytes(chunk)
        end = chunk.offset + len(data)
        if end > len(self._buffer):
            raise RenalError(grpc.StatusCode.INTERNAL, f"segmentation chunk at {chunk.offset} runs past the map")
        self._buffer[chunk.offset:end] = np.frombuffer(data, dtype=np.uint8)
        self._received += len(data)

    def finish(self) -> LabelMap:
        if self._received != len(self._buffer):
            raise RenalError(grpc.StatusCode.DATA_LOSS,
                             f"segmentation: received {self._received} of {len(self._buffer)} bytes")
        if self.header.sha256 and hashlib.sha256(self._buffer).digest() != self.header.sha256:
            raise RenalError(grpc.StatusCode.DATA_LOSS, "segmentation: SHA-256 of the received labels does not match")
        size_i, size_j, size_k = self.geometry.size
        return LabelMap(self._buffer.reshape(size_k, size_j, size_i), self.geometry,
                        phase_or_empty(self.header.grid_phase), self.header.revision, self.header.is_reference_grid)


def _chunk_bytes(chunk: types_pb2.VolumeChunk) -> bytes:
    if chunk.compression == types_pb2.COMPRESSION_NONE:
        return chunk.data
    if chunk.compression == types_pb2.COMPRESSION_ZSTD:
        import zstandard  # only needed if a server ever compresses downloads
        return zstandard.ZstdDecompressor().decompress(chunk.data, max_output_size=chunk.uncompressed_length)
    if chunk.compression == types_pb2.COMPRESSION_LZ4:
        import lz4.block
        return lz4.block.decompress(chunk.data, uncompressed_size=chunk.uncompressed_length)
    raise RenalError(grpc.StatusCode.INTERNAL, f"segmentation chunk compression {chunk.compression} is unknown")


def optional_phase(phase: Optional[str]) -> int:
    from .phases import phase_to_enum
    return types_pb2.PHASE_UNSPECIFIED if phase in (None, "") else phase_to_enum(phase)
