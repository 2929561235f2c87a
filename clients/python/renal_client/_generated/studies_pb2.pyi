from google.protobuf import timestamp_pb2 as _timestamp_pb2
from . import types_pb2 as _types_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from typing import ClassVar as _ClassVar, Iterable as _Iterable, Mapping as _Mapping, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class DeleteStudyRequest(_message.Message):
    __slots__ = ["study_id"]
    STUDY_ID_FIELD_NUMBER: _ClassVar[int]
    study_id: str
    def __init__(self, study_id: _Optional[str] = ...) -> None: ...

class DeleteStudyResponse(_message.Message):
    __slots__ = ["deleted"]
    DELETED_FIELD_NUMBER: _ClassVar[int]
    deleted: bool
    def __init__(self, deleted: bool = ...) -> None: ...

class FindStudyRequest(_message.Message):
    __slots__ = ["phases"]
    PHASES_FIELD_NUMBER: _ClassVar[int]
    phases: _containers.RepeatedCompositeFieldContainer[_types_pb2.VolumeDescriptor]
    def __init__(self, phases: _Optional[_Iterable[_Union[_types_pb2.VolumeDescriptor, _Mapping]]] = ...) -> None: ...

class FindStudyResponse(_message.Message):
    __slots__ = ["found", "study"]
    FOUND_FIELD_NUMBER: _ClassVar[int]
    STUDY_FIELD_NUMBER: _ClassVar[int]
    found: bool
    study: StudyInfo
    def __init__(self, found: bool = ..., study: _Optional[_Union[StudyInfo, _Mapping]] = ...) -> None: ...

class GetStudyRequest(_message.Message):
    __slots__ = ["study_id"]
    STUDY_ID_FIELD_NUMBER: _ClassVar[int]
    study_id: str
    def __init__(self, study_id: _Optional[str] = ...) -> None: ...

class ListStudiesRequest(_message.Message):
    __slots__ = []
    def __init__(self) -> None: ...

class ListStudiesResponse(_message.Message):
    __slots__ = ["memory_budget_bytes", "memory_used_bytes", "studies"]
    MEMORY_BUDGET_BYTES_FIELD_NUMBER: _ClassVar[int]
    MEMORY_USED_BYTES_FIELD_NUMBER: _ClassVar[int]
    STUDIES_FIELD_NUMBER: _ClassVar[int]
    memory_budget_bytes: int
    memory_used_bytes: int
    studies: _containers.RepeatedCompositeFieldContainer[StudyInfo]
    def __init__(self, studies: _Optional[_Iterable[_Union[StudyInfo, _Mapping]]] = ..., memory_used_bytes: _Optional[int] = ..., memory_budget_bytes: _Optional[int] = ...) -> None: ...

class StoredPhase(_message.Message):
    __slots__ = ["bytes_received", "descriptor"]
    BYTES_RECEIVED_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTOR_FIELD_NUMBER: _ClassVar[int]
    bytes_received: int
    descriptor: _types_pb2.VolumeDescriptor
    def __init__(self, descriptor: _Optional[_Union[_types_pb2.VolumeDescriptor, _Mapping]] = ..., bytes_received: _Optional[int] = ...) -> None: ...

class StudyInfo(_message.Message):
    __slots__ = ["created_at", "expires_at", "phases", "segmentation_revision", "study_id", "total_bytes"]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    EXPIRES_AT_FIELD_NUMBER: _ClassVar[int]
    PHASES_FIELD_NUMBER: _ClassVar[int]
    SEGMENTATION_REVISION_FIELD_NUMBER: _ClassVar[int]
    STUDY_ID_FIELD_NUMBER: _ClassVar[int]
    TOTAL_BYTES_FIELD_NUMBER: _ClassVar[int]
    created_at: _timestamp_pb2.Timestamp
    expires_at: _timestamp_pb2.Timestamp
    phases: _containers.RepeatedCompositeFieldContainer[_types_pb2.VolumeDescriptor]
    segmentation_revision: int
    study_id: str
    total_bytes: int
    def __init__(self, study_id: _Optional[str] = ..., phases: _Optional[_Iterable[_Union[_types_pb2.VolumeDescriptor, _Mapping]]] = ..., total_bytes: _Optional[int] = ..., created_at: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., expires_at: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., segmentation_revision: _Optional[int] = ...) -> None: ...

class UploadHeader(_message.Message):
    __slots__ = ["phases"]
    PHASES_FIELD_NUMBER: _ClassVar[int]
    phases: _containers.RepeatedCompositeFieldContainer[_types_pb2.VolumeDescriptor]
    def __init__(self, phases: _Optional[_Iterable[_Union[_types_pb2.VolumeDescriptor, _Mapping]]] = ...) -> None: ...

class UploadStudyRequest(_message.Message):
    __slots__ = ["chunk", "header"]
    CHUNK_FIELD_NUMBER: _ClassVar[int]
    HEADER_FIELD_NUMBER: _ClassVar[int]
    chunk: _types_pb2.VolumeChunk
    header: UploadHeader
    def __init__(self, header: _Optional[_Union[UploadHeader, _Mapping]] = ..., chunk: _Optional[_Union[_types_pb2.VolumeChunk, _Mapping]] = ...) -> None: ...

class UploadStudyResponse(_message.Message):
    __slots__ = ["already_stored", "expires_at", "phases", "study_id"]
    ALREADY_STORED_FIELD_NUMBER: _ClassVar[int]
    EXPIRES_AT_FIELD_NUMBER: _ClassVar[int]
    PHASES_FIELD_NUMBER: _ClassVar[int]
    STUDY_ID_FIELD_NUMBER: _ClassVar[int]
    already_stored: bool
    expires_at: _timestamp_pb2.Timestamp
    phases: _containers.RepeatedCompositeFieldContainer[StoredPhase]
    study_id: str
    def __init__(self, study_id: _Optional[str] = ..., expires_at: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., phases: _Optional[_Iterable[_Union[StoredPhase, _Mapping]]] = ..., already_stored: bool = ...) -> None: ...
