from . import types_pb2 as _types_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from typing import ClassVar as _ClassVar, Iterable as _Iterable, Mapping as _Mapping, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor
STAGE_ALIGNMENT: Stage
STAGE_CLASSIFICATION: Stage
STAGE_ENCODING: Stage
STAGE_PREPROCESSING: Stage
STAGE_QUEUED: Stage
STAGE_REFINEMENT: Stage
STAGE_SEGMENTATION: Stage
STAGE_UNSPECIFIED: Stage

class AnalyzeOptions(_message.Message):
    __slots__ = ["mirror_tta", "per_phase_masks", "reference_phase"]
    MIRROR_TTA_FIELD_NUMBER: _ClassVar[int]
    PER_PHASE_MASKS_FIELD_NUMBER: _ClassVar[int]
    REFERENCE_PHASE_FIELD_NUMBER: _ClassVar[int]
    mirror_tta: bool
    per_phase_masks: bool
    reference_phase: _types_pb2.Phase
    def __init__(self, mirror_tta: bool = ..., per_phase_masks: bool = ..., reference_phase: _Optional[_Union[_types_pb2.Phase, str]] = ...) -> None: ...

class AnalyzeRequest(_message.Message):
    __slots__ = ["options", "study_id"]
    OPTIONS_FIELD_NUMBER: _ClassVar[int]
    STUDY_ID_FIELD_NUMBER: _ClassVar[int]
    options: AnalyzeOptions
    study_id: str
    def __init__(self, study_id: _Optional[str] = ..., options: _Optional[_Union[AnalyzeOptions, _Mapping]] = ...) -> None: ...

class AnalyzeResponse(_message.Message):
    __slots__ = ["diagnosis", "progress", "segmentation_chunk", "segmentation_header"]
    DIAGNOSIS_FIELD_NUMBER: _ClassVar[int]
    PROGRESS_FIELD_NUMBER: _ClassVar[int]
    SEGMENTATION_CHUNK_FIELD_NUMBER: _ClassVar[int]
    SEGMENTATION_HEADER_FIELD_NUMBER: _ClassVar[int]
    diagnosis: Diagnosis
    progress: Progress
    segmentation_chunk: _types_pb2.VolumeChunk
    segmentation_header: SegmentationHeader
    def __init__(self, progress: _Optional[_Union[Progress, _Mapping]] = ..., segmentation_header: _Optional[_Union[SegmentationHeader, _Mapping]] = ..., segmentation_chunk: _Optional[_Union[_types_pb2.VolumeChunk, _Mapping]] = ..., diagnosis: _Optional[_Union[Diagnosis, _Mapping]] = ...) -> None: ...

class Diagnosis(_message.Message):
    __slots__ = ["lesions", "malignancy_probability", "model_version", "phase_check", "predicted_subtype", "reference_phase", "refinement", "revision", "study_id", "subtype_probabilities", "timings", "verdict"]
    class SubtypeProbabilitiesEntry(_message.Message):
        __slots__ = ["key", "value"]
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: float
        def __init__(self, key: _Optional[str] = ..., value: _Optional[float] = ...) -> None: ...
    LESIONS_FIELD_NUMBER: _ClassVar[int]
    MALIGNANCY_PROBABILITY_FIELD_NUMBER: _ClassVar[int]
    MODEL_VERSION_FIELD_NUMBER: _ClassVar[int]
    PHASE_CHECK_FIELD_NUMBER: _ClassVar[int]
    PREDICTED_SUBTYPE_FIELD_NUMBER: _ClassVar[int]
    REFERENCE_PHASE_FIELD_NUMBER: _ClassVar[int]
    REFINEMENT_FIELD_NUMBER: _ClassVar[int]
    REVISION_FIELD_NUMBER: _ClassVar[int]
    STUDY_ID_FIELD_NUMBER: _ClassVar[int]
    SUBTYPE_PROBABILITIES_FIELD_NUMBER: _ClassVar[int]
    TIMINGS_FIELD_NUMBER: _ClassVar[int]
    VERDICT_FIELD_NUMBER: _ClassVar[int]
    lesions: _containers.RepeatedCompositeFieldContainer[Lesion]
    malignancy_probability: float
    model_version: str
    phase_check: PhaseCheck
    predicted_subtype: str
    reference_phase: str
    refinement: RoiRefinement
    revision: int
    study_id: str
    subtype_probabilities: _containers.ScalarMap[str, float]
    timings: _containers.RepeatedCompositeFieldContainer[StageTiming]
    verdict: str
    def __init__(self, study_id: _Optional[str] = ..., revision: _Optional[int] = ..., reference_phase: _Optional[str] = ..., lesions: _Optional[_Iterable[_Union[Lesion, _Mapping]]] = ..., subtype_probabilities: _Optional[_Mapping[str, float]] = ..., predicted_subtype: _Optional[str] = ..., malignancy_probability: _Optional[float] = ..., verdict: _Optional[str] = ..., model_version: _Optional[str] = ..., timings: _Optional[_Iterable[_Union[StageTiming, _Mapping]]] = ..., refinement: _Optional[_Union[RoiRefinement, _Mapping]] = ..., phase_check: _Optional[_Union[PhaseCheck, _Mapping]] = ...) -> None: ...

class EditHeader(_message.Message):
    __slots__ = ["base_revision", "hint", "region", "study_id", "whole_label_map"]
    BASE_REVISION_FIELD_NUMBER: _ClassVar[int]
    HINT_FIELD_NUMBER: _ClassVar[int]
    REGION_FIELD_NUMBER: _ClassVar[int]
    STUDY_ID_FIELD_NUMBER: _ClassVar[int]
    WHOLE_LABEL_MAP_FIELD_NUMBER: _ClassVar[int]
    base_revision: int
    hint: LesionHint
    region: RegionEdit
    study_id: str
    whole_label_map: WholeLabelMapEdit
    def __init__(self, study_id: _Optional[str] = ..., base_revision: _Optional[int] = ..., region: _Optional[_Union[RegionEdit, _Mapping]] = ..., whole_label_map: _Optional[_Union[WholeLabelMapEdit, _Mapping]] = ..., hint: _Optional[_Union[LesionHint, _Mapping]] = ...) -> None: ...

class GetSegmentationRequest(_message.Message):
    __slots__ = ["phase", "revision", "study_id"]
    PHASE_FIELD_NUMBER: _ClassVar[int]
    REVISION_FIELD_NUMBER: _ClassVar[int]
    STUDY_ID_FIELD_NUMBER: _ClassVar[int]
    phase: _types_pb2.Phase
    revision: int
    study_id: str
    def __init__(self, study_id: _Optional[str] = ..., revision: _Optional[int] = ..., phase: _Optional[_Union[_types_pb2.Phase, str]] = ...) -> None: ...

class Lesion(_message.Message):
    __slots__ = ["bounding_box", "centroid_lps", "id", "label", "largest_diameter_mm", "malignancy_probability", "mean_hu", "predicted_subtype", "side", "subtype_probabilities", "volume_ml"]
    class MeanHuEntry(_message.Message):
        __slots__ = ["key", "value"]
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: float
        def __init__(self, key: _Optional[str] = ..., value: _Optional[float] = ...) -> None: ...
    class SubtypeProbabilitiesEntry(_message.Message):
        __slots__ = ["key", "value"]
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: float
        def __init__(self, key: _Optional[str] = ..., value: _Optional[float] = ...) -> None: ...
    BOUNDING_BOX_FIELD_NUMBER: _ClassVar[int]
    CENTROID_LPS_FIELD_NUMBER: _ClassVar[int]
    ID_FIELD_NUMBER: _ClassVar[int]
    LABEL_FIELD_NUMBER: _ClassVar[int]
    LARGEST_DIAMETER_MM_FIELD_NUMBER: _ClassVar[int]
    MALIGNANCY_PROBABILITY_FIELD_NUMBER: _ClassVar[int]
    MEAN_HU_FIELD_NUMBER: _ClassVar[int]
    PREDICTED_SUBTYPE_FIELD_NUMBER: _ClassVar[int]
    SIDE_FIELD_NUMBER: _ClassVar[int]
    SUBTYPE_PROBABILITIES_FIELD_NUMBER: _ClassVar[int]
    VOLUME_ML_FIELD_NUMBER: _ClassVar[int]
    bounding_box: _types_pb2.VoxelBox
    centroid_lps: _types_pb2.Vector3
    id: int
    label: int
    largest_diameter_mm: float
    malignancy_probability: float
    mean_hu: _containers.ScalarMap[str, float]
    predicted_subtype: str
    side: str
    subtype_probabilities: _containers.ScalarMap[str, float]
    volume_ml: float
    def __init__(self, id: _Optional[int] = ..., label: _Optional[int] = ..., volume_ml: _Optional[float] = ..., largest_diameter_mm: _Optional[float] = ..., side: _Optional[str] = ..., centroid_lps: _Optional[_Union[_types_pb2.Vector3, _Mapping]] = ..., bounding_box: _Optional[_Union[_types_pb2.VoxelBox, _Mapping]] = ..., mean_hu: _Optional[_Mapping[str, float]] = ..., subtype_probabilities: _Optional[_Mapping[str, float]] = ..., predicted_subtype: _Optional[str] = ..., malignancy_probability: _Optional[float] = ...) -> None: ...

class LesionHint(_message.Message):
    __slots__ = ["action", "point_lps"]
    class Action(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
        __slots__ = []
    ACTION_ADD: LesionHint.Action
    ACTION_FIELD_NUMBER: _ClassVar[int]
    ACTION_REMOVE: LesionHint.Action
    ACTION_UNSPECIFIED: LesionHint.Action
    POINT_LPS_FIELD_NUMBER: _ClassVar[int]
    action: LesionHint.Action
    point_lps: _types_pb2.Vector3
    def __init__(self, point_lps: _Optional[_Union[_types_pb2.Vector3, _Mapping]] = ..., action: _Optional[_Union[LesionHint.Action, str]] = ...) -> None: ...

class PhaseCheck(_message.Message):
    __slots__ = ["alignment_kidney_dice", "kidney_dense_contrast_percent", "kidney_median_hu", "kidney_upper_quartile_hu", "looks_like", "warnings"]
    class AlignmentKidneyDiceEntry(_message.Message):
        __slots__ = ["key", "value"]
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: float
        def __init__(self, key: _Optional[str] = ..., value: _Optional[float] = ...) -> None: ...
    class KidneyDenseContrastPercentEntry(_message.Message):
        __slots__ = ["key", "value"]
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: float
        def __init__(self, key: _Optional[str] = ..., value: _Optional[float] = ...) -> None: ...
    class KidneyMedianHuEntry(_message.Message):
        __slots__ = ["key", "value"]
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: float
        def __init__(self, key: _Optional[str] = ..., value: _Optional[float] = ...) -> None: ...
    class KidneyUpperQuartileHuEntry(_message.Message):
        __slots__ = ["key", "value"]
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: float
        def __init__(self, key: _Optional[str] = ..., value: _Optional[float] = ...) -> None: ...
    class LooksLikeEntry(_message.Message):
        __slots__ = ["key", "value"]
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    ALIGNMENT_KIDNEY_DICE_FIELD_NUMBER: _ClassVar[int]
    KIDNEY_DENSE_CONTRAST_PERCENT_FIELD_NUMBER: _ClassVar[int]
    KIDNEY_MEDIAN_HU_FIELD_NUMBER: _ClassVar[int]
    KIDNEY_UPPER_QUARTILE_HU_FIELD_NUMBER: _ClassVar[int]
    LOOKS_LIKE_FIELD_NUMBER: _ClassVar[int]
    WARNINGS_FIELD_NUMBER: _ClassVar[int]
    alignment_kidney_dice: _containers.ScalarMap[str, float]
    kidney_dense_contrast_percent: _containers.ScalarMap[str, float]
    kidney_median_hu: _containers.ScalarMap[str, float]
    kidney_upper_quartile_hu: _containers.ScalarMap[str, float]
    looks_like: _containers.ScalarMap[str, str]
    warnings: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, kidney_upper_quartile_hu: _Optional[_Mapping[str, float]] = ..., warnings: _Optional[_Iterable[str]] = ..., alignment_kidney_dice: _Optional[_Mapping[str, float]] = ..., kidney_median_hu: _Optional[_Mapping[str, float]] = ..., kidney_dense_contrast_percent: _Optional[_Mapping[str, float]] = ..., looks_like: _Optional[_Mapping[str, str]] = ...) -> None: ...

class Progress(_message.Message):
    __slots__ = ["fraction", "message", "phase", "queue_position", "stage"]
    FRACTION_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    PHASE_FIELD_NUMBER: _ClassVar[int]
    QUEUE_POSITION_FIELD_NUMBER: _ClassVar[int]
    STAGE_FIELD_NUMBER: _ClassVar[int]
    fraction: float
    message: str
    phase: _types_pb2.Phase
    queue_position: int
    stage: Stage
    def __init__(self, stage: _Optional[_Union[Stage, str]] = ..., fraction: _Optional[float] = ..., queue_position: _Optional[int] = ..., phase: _Optional[_Union[_types_pb2.Phase, str]] = ..., message: _Optional[str] = ...) -> None: ...

class RegionEdit(_message.Message):
    __slots__ = ["box", "run_labels", "run_lengths"]
    BOX_FIELD_NUMBER: _ClassVar[int]
    RUN_LABELS_FIELD_NUMBER: _ClassVar[int]
    RUN_LENGTHS_FIELD_NUMBER: _ClassVar[int]
    box: _types_pb2.VoxelBox
    run_labels: bytes
    run_lengths: _containers.RepeatedScalarFieldContainer[int]
    def __init__(self, box: _Optional[_Union[_types_pb2.VoxelBox, _Mapping]] = ..., run_lengths: _Optional[_Iterable[int]] = ..., run_labels: _Optional[bytes] = ...) -> None: ...

class RoiRefinement(_message.Message):
    __slots__ = ["boxes", "lesions_added", "lesions_retyped", "phases_filled", "proposals_dropped", "ran", "skipped_because", "voxels_relabelled"]
    BOXES_FIELD_NUMBER: _ClassVar[int]
    LESIONS_ADDED_FIELD_NUMBER: _ClassVar[int]
    LESIONS_RETYPED_FIELD_NUMBER: _ClassVar[int]
    PHASES_FILLED_FIELD_NUMBER: _ClassVar[int]
    PROPOSALS_DROPPED_FIELD_NUMBER: _ClassVar[int]
    RAN_FIELD_NUMBER: _ClassVar[int]
    SKIPPED_BECAUSE_FIELD_NUMBER: _ClassVar[int]
    VOXELS_RELABELLED_FIELD_NUMBER: _ClassVar[int]
    boxes: int
    lesions_added: int
    lesions_retyped: int
    phases_filled: _containers.RepeatedScalarFieldContainer[str]
    proposals_dropped: int
    ran: bool
    skipped_because: str
    voxels_relabelled: int
    def __init__(self, ran: bool = ..., skipped_because: _Optional[str] = ..., boxes: _Optional[int] = ..., lesions_added: _Optional[int] = ..., voxels_relabelled: _Optional[int] = ..., proposals_dropped: _Optional[int] = ..., phases_filled: _Optional[_Iterable[str]] = ..., lesions_retyped: _Optional[int] = ...) -> None: ...

class SegmentationHeader(_message.Message):
    __slots__ = ["byte_length", "geometry", "grid_phase", "is_reference_grid", "revision", "sha256", "voxel_type"]
    BYTE_LENGTH_FIELD_NUMBER: _ClassVar[int]
    GEOMETRY_FIELD_NUMBER: _ClassVar[int]
    GRID_PHASE_FIELD_NUMBER: _ClassVar[int]
    IS_REFERENCE_GRID_FIELD_NUMBER: _ClassVar[int]
    REVISION_FIELD_NUMBER: _ClassVar[int]
    SHA256_FIELD_NUMBER: _ClassVar[int]
    VOXEL_TYPE_FIELD_NUMBER: _ClassVar[int]
    byte_length: int
    geometry: _types_pb2.Geometry
    grid_phase: _types_pb2.Phase
    is_reference_grid: bool
    revision: int
    sha256: bytes
    voxel_type: _types_pb2.VoxelType
    def __init__(self, grid_phase: _Optional[_Union[_types_pb2.Phase, str]] = ..., geometry: _Optional[_Union[_types_pb2.Geometry, _Mapping]] = ..., voxel_type: _Optional[_Union[_types_pb2.VoxelType, str]] = ..., byte_length: _Optional[int] = ..., sha256: _Optional[bytes] = ..., revision: _Optional[int] = ..., is_reference_grid: bool = ...) -> None: ...

class SegmentationMessage(_message.Message):
    __slots__ = ["chunk", "header"]
    CHUNK_FIELD_NUMBER: _ClassVar[int]
    HEADER_FIELD_NUMBER: _ClassVar[int]
    chunk: _types_pb2.VolumeChunk
    header: SegmentationHeader
    def __init__(self, header: _Optional[_Union[SegmentationHeader, _Mapping]] = ..., chunk: _Optional[_Union[_types_pb2.VolumeChunk, _Mapping]] = ...) -> None: ...

class StageTiming(_message.Message):
    __slots__ = ["phase", "seconds", "stage"]
    PHASE_FIELD_NUMBER: _ClassVar[int]
    SECONDS_FIELD_NUMBER: _ClassVar[int]
    STAGE_FIELD_NUMBER: _ClassVar[int]
    phase: _types_pb2.Phase
    seconds: float
    stage: Stage
    def __init__(self, stage: _Optional[_Union[Stage, str]] = ..., phase: _Optional[_Union[_types_pb2.Phase, str]] = ..., seconds: _Optional[float] = ...) -> None: ...

class SubmitEditRequest(_message.Message):
    __slots__ = ["chunk", "header"]
    CHUNK_FIELD_NUMBER: _ClassVar[int]
    HEADER_FIELD_NUMBER: _ClassVar[int]
    chunk: _types_pb2.VolumeChunk
    header: EditHeader
    def __init__(self, header: _Optional[_Union[EditHeader, _Mapping]] = ..., chunk: _Optional[_Union[_types_pb2.VolumeChunk, _Mapping]] = ...) -> None: ...

class SubmitEditResponse(_message.Message):
    __slots__ = ["changed_region", "diagnosis", "revision"]
    CHANGED_REGION_FIELD_NUMBER: _ClassVar[int]
    DIAGNOSIS_FIELD_NUMBER: _ClassVar[int]
    REVISION_FIELD_NUMBER: _ClassVar[int]
    changed_region: _types_pb2.VoxelBox
    diagnosis: Diagnosis
    revision: int
    def __init__(self, revision: _Optional[int] = ..., changed_region: _Optional[_Union[_types_pb2.VoxelBox, _Mapping]] = ..., diagnosis: _Optional[_Union[Diagnosis, _Mapping]] = ...) -> None: ...

class WholeLabelMapEdit(_message.Message):
    __slots__ = ["byte_length", "sha256"]
    BYTE_LENGTH_FIELD_NUMBER: _ClassVar[int]
    SHA256_FIELD_NUMBER: _ClassVar[int]
    byte_length: int
    sha256: bytes
    def __init__(self, byte_length: _Optional[int] = ..., sha256: _Optional[bytes] = ...) -> None: ...

class Stage(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = []
