from google.protobuf import duration_pb2 as _duration_pb2
from . import types_pb2 as _types_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from typing import ClassVar as _ClassVar, Iterable as _Iterable, Mapping as _Mapping, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class GetServerInfoRequest(_message.Message):
    __slots__ = []
    def __init__(self) -> None: ...

class Limits(_message.Message):
    __slots__ = ["analyze_queue_capacity", "max_chunk_bytes", "max_message_bytes", "max_study_bytes", "max_voxels_per_phase", "memory_budget_bytes", "study_ttl"]
    ANALYZE_QUEUE_CAPACITY_FIELD_NUMBER: _ClassVar[int]
    MAX_CHUNK_BYTES_FIELD_NUMBER: _ClassVar[int]
    MAX_MESSAGE_BYTES_FIELD_NUMBER: _ClassVar[int]
    MAX_STUDY_BYTES_FIELD_NUMBER: _ClassVar[int]
    MAX_VOXELS_PER_PHASE_FIELD_NUMBER: _ClassVar[int]
    MEMORY_BUDGET_BYTES_FIELD_NUMBER: _ClassVar[int]
    STUDY_TTL_FIELD_NUMBER: _ClassVar[int]
    analyze_queue_capacity: int
    max_chunk_bytes: int
    max_message_bytes: int
    max_study_bytes: int
    max_voxels_per_phase: int
    memory_budget_bytes: int
    study_ttl: _duration_pb2.Duration
    def __init__(self, max_voxels_per_phase: _Optional[int] = ..., max_chunk_bytes: _Optional[int] = ..., max_study_bytes: _Optional[int] = ..., memory_budget_bytes: _Optional[int] = ..., study_ttl: _Optional[_Union[_duration_pb2.Duration, _Mapping]] = ..., max_message_bytes: _Optional[int] = ..., analyze_queue_capacity: _Optional[int] = ...) -> None: ...

class ModelInfo(_message.Message):
    __slots__ = ["loaded", "name", "sha256", "status", "training_data", "version"]
    LOADED_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    SHA256_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    TRAINING_DATA_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    loaded: bool
    name: str
    sha256: str
    status: str
    training_data: str
    version: str
    def __init__(self, name: _Optional[str] = ..., version: _Optional[str] = ..., sha256: _Optional[str] = ..., loaded: bool = ..., status: _Optional[str] = ..., training_data: _Optional[str] = ...) -> None: ...

class ServerInfo(_message.Message):
    __slots__ = ["auth_required", "compressions", "device", "labels", "limits", "model", "phases_supported", "server_version", "subtypes"]
    AUTH_REQUIRED_FIELD_NUMBER: _ClassVar[int]
    COMPRESSIONS_FIELD_NUMBER: _ClassVar[int]
    DEVICE_FIELD_NUMBER: _ClassVar[int]
    LABELS_FIELD_NUMBER: _ClassVar[int]
    LIMITS_FIELD_NUMBER: _ClassVar[int]
    MODEL_FIELD_NUMBER: _ClassVar[int]
    PHASES_SUPPORTED_FIELD_NUMBER: _ClassVar[int]
    SERVER_VERSION_FIELD_NUMBER: _ClassVar[int]
    SUBTYPES_FIELD_NUMBER: _ClassVar[int]
    auth_required: bool
    compressions: _containers.RepeatedScalarFieldContainer[_types_pb2.Compression]
    device: str
    labels: _containers.RepeatedCompositeFieldContainer[_types_pb2.LabelInfo]
    limits: Limits
    model: ModelInfo
    phases_supported: _containers.RepeatedScalarFieldContainer[_types_pb2.Phase]
    server_version: str
    subtypes: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, server_version: _Optional[str] = ..., model: _Optional[_Union[ModelInfo, _Mapping]] = ..., device: _Optional[str] = ..., labels: _Optional[_Iterable[_Union[_types_pb2.LabelInfo, _Mapping]]] = ..., subtypes: _Optional[_Iterable[str]] = ..., phases_supported: _Optional[_Iterable[_Union[_types_pb2.Phase, str]]] = ..., limits: _Optional[_Union[Limits, _Mapping]] = ..., compressions: _Optional[_Iterable[_Union[_types_pb2.Compression, str]]] = ..., auth_required: bool = ...) -> None: ...
