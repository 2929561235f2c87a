from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from typing import ClassVar as _ClassVar, Iterable as _Iterable, Mapping as _Mapping, Optional as _Optional, Union as _Union

COMPRESSION_LZ4: Compression
COMPRESSION_NONE: Compression
COMPRESSION_ZSTD: Compression
DESCRIPTOR: _descriptor.FileDescriptor
PHASE_A: Phase
PHASE_D: Phase
PHASE_N: Phase
PHASE_P: Phase
PHASE_UNSPECIFIED: Phase
VOXEL_TYPE_FLOAT32: VoxelType
VOXEL_TYPE_INT16: VoxelType
VOXEL_TYPE_UINT16: VoxelType
VOXEL_TYPE_UINT8: VoxelType
VOXEL_TYPE_UNSPECIFIED: VoxelType

class Geometry(_message.Message):
    __slots__ = ["direction", "origin", "size_i", "size_j", "size_k", "spacing"]
    DIRECTION_FIELD_NUMBER: _ClassVar[int]
    ORIGIN_FIELD_NUMBER: _ClassVar[int]
    SIZE_I_FIELD_NUMBER: _ClassVar[int]
    SIZE_J_FIELD_NUMBER: _ClassVar[int]
    SIZE_K_FIELD_NUMBER: _ClassVar[int]
    SPACING_FIELD_NUMBER: _ClassVar[int]
    direction: _containers.RepeatedScalarFieldContainer[float]
    origin: Vector3
    size_i: int
    size_j: int
    size_k: int
    spacing: Vector3
    def __init__(self, size_i: _Optional[int] = ..., size_j: _Optional[int] = ..., size_k: _Optional[int] = ..., spacing: _Optional[_Union[Vector3, _Mapping]] = ..., origin: _Optional[_Union[Vector3, _Mapping]] = ..., direction: _Optional[_Iterable[float]] = ...) -> None: ...

class LabelInfo(_message.Message):
    __slots__ = ["blue", "green", "name", "red", "snomed_ct_category", "snomed_ct_code", "snomed_ct_meaning", "value"]
    BLUE_FIELD_NUMBER: _ClassVar[int]
    GREEN_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    RED_FIELD_NUMBER: _ClassVar[int]
    SNOMED_CT_CATEGORY_FIELD_NUMBER: _ClassVar[int]
    SNOMED_CT_CODE_FIELD_NUMBER: _ClassVar[int]
    SNOMED_CT_MEANING_FIELD_NUMBER: _ClassVar[int]
    VALUE_FIELD_NUMBER: _ClassVar[int]
    blue: int
    green: int
    name: str
    red: int
    snomed_ct_category: str
    snomed_ct_code: str
    snomed_ct_meaning: str
    value: int
    def __init__(self, value: _Optional[int] = ..., name: _Optional[str] = ..., red: _Optional[int] = ..., green: _Optional[int] = ..., blue: _Optional[int] = ..., snomed_ct_code: _Optional[str] = ..., snomed_ct_meaning: _Optional[str] = ..., snomed_ct_category: _Optional[str] = ...) -> None: ...

class Vector3(_message.Message):
    __slots__ = ["x", "y", "z"]
    X_FIELD_NUMBER: _ClassVar[int]
    Y_FIELD_NUMBER: _ClassVar[int]
    Z_FIELD_NUMBER: _ClassVar[int]
    x: float
    y: float
    z: float
    def __init__(self, x: _Optional[float] = ..., y: _Optional[float] = ..., z: _Optional[float] = ...) -> None: ...

class VolumeChunk(_message.Message):
    __slots__ = ["compression", "data", "offset", "phase", "uncompressed_length"]
    COMPRESSION_FIELD_NUMBER: _ClassVar[int]
    DATA_FIELD_NUMBER: _ClassVar[int]
    OFFSET_FIELD_NUMBER: _ClassVar[int]
    PHASE_FIELD_NUMBER: _ClassVar[int]
    UNCOMPRESSED_LENGTH_FIELD_NUMBER: _ClassVar[int]
    compression: Compression
    data: bytes
    offset: int
    phase: Phase
    uncompressed_length: int
    def __init__(self, phase: _Optional[_Union[Phase, str]] = ..., offset: _Optional[int] = ..., data: _Optional[bytes] = ..., compression: _Optional[_Union[Compression, str]] = ..., uncompressed_length: _Optional[int] = ...) -> None: ...

class VolumeDescriptor(_message.Message):
    __slots__ = ["byte_length", "geometry", "phase", "sha256", "voxel_type"]
    BYTE_LENGTH_FIELD_NUMBER: _ClassVar[int]
    GEOMETRY_FIELD_NUMBER: _ClassVar[int]
    PHASE_FIELD_NUMBER: _ClassVar[int]
    SHA256_FIELD_NUMBER: _ClassVar[int]
    VOXEL_TYPE_FIELD_NUMBER: _ClassVar[int]
    byte_length: int
    geometry: Geometry
    phase: Phase
    sha256: bytes
    voxel_type: VoxelType
    def __init__(self, phase: _Optional[_Union[Phase, str]] = ..., voxel_type: _Optional[_Union[VoxelType, str]] = ..., geometry: _Optional[_Union[Geometry, _Mapping]] = ..., byte_length: _Optional[int] = ..., sha256: _Optional[bytes] = ...) -> None: ...

class VoxelBox(_message.Message):
    __slots__ = ["i0", "j0", "k0", "size_i", "size_j", "size_k"]
    I0_FIELD_NUMBER: _ClassVar[int]
    J0_FIELD_NUMBER: _ClassVar[int]
    K0_FIELD_NUMBER: _ClassVar[int]
    SIZE_I_FIELD_NUMBER: _ClassVar[int]
    SIZE_J_FIELD_NUMBER: _ClassVar[int]
    SIZE_K_FIELD_NUMBER: _ClassVar[int]
    i0: int
    j0: int
    k0: int
    size_i: int
    size_j: int
    size_k: int
    def __init__(self, i0: _Optional[int] = ..., j0: _Optional[int] = ..., k0: _Optional[int] = ..., size_i: _Optional[int] = ..., size_j: _Optional[int] = ..., size_k: _Optional[int] = ...) -> None: ...

class Phase(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = []

class VoxelType(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = []

class Compression(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = []
