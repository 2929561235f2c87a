"""Results of the StudyService calls as plain dataclasses (no protobuf types leak to callers)."""
from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Dict, Tuple

from google.protobuf import timestamp_pb2

from ._generated import studies_pb2
from .phases import phase_name
from .volumes import PhaseDescriptor


def timestamp_to_datetime(timestamp: timestamp_pb2.Timestamp) -> datetime.datetime:
    """A protobuf Timestamp as an aware UTC datetime."""
    return datetime.datetime.fromtimestamp(timestamp.seconds + timestamp.nanos / 1e9, tz=datetime.timezone.utc)


@dataclass(frozen=True)
class StudyInfo:
    study_id: str
    phases: Dict[str, PhaseDescriptor]  # by phase name, "N" / "A" / "P" / "D"
    total_bytes: int
    created_at: datetime.datetime
    expires_at: datetime.datetime
    segmentation_revision: int

    @classmethod
    def from_proto(cls, message: studies_pb2.StudyInfo) -> "StudyInfo":
        phases = [PhaseDescriptor.from_proto(d) for d in message.phases]
        return cls(study_id=message.study_id, phases={p.phase: p for p in phases}, total_bytes=message.total_bytes,
                   created_at=timestamp_to_datetime(message.created_at),
                   expires_at=timestamp_to_datetime(message.expires_at),
                   segmentation_revision=message.segmentation_revision)


@dataclass(frozen=True)
class UploadResult:
    study_id: str
    expires_at: datetime.datetime
    already_stored: bool  # True: the server had this content; nothing (or nothing new) was stored
    bytes_received: Dict[str, int]  # per phase, as sent on the wire (compressed size); empty when skipped

    @classmethod
    def from_proto(cls, message: studies_pb2.UploadStudyResponse) -> "UploadResult":
        received = {phase_name(p.descriptor.phase): p.bytes_received for p in message.phases}
        return cls(study_id=message.study_id, expires_at=timestamp_to_datetime(message.expires_at),
                   already_stored=message.already_stored, bytes_received=received)


@dataclass(frozen=True)
class StudyListing:
    studies: Tuple[StudyInfo, ...]
    memory_used_bytes: int
    memory_budget_bytes: int

    @property
    def study_ids(self) -> Tuple[str, ...]:
        return tuple(s.study_id for s in self.studies)
