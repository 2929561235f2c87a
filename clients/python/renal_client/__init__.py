"""Python client for RenalGrpc (renal.v1): upload multi-phase kidney CT from numpy, manage studies.

Needs numpy, grpcio and protobuf (>= 3.20) only; zstandard / lz4 are optional (compressed uploads).
Nothing here imports Slicer, so the same package runs in plain Python and in Slicer's Python.

    from renal_client import RenalClient, Geometry
    with RenalClient("http://127.0.0.1:50051") as client:
        result = client.upload_study({"P": (volume_kji, Geometry(spacing=(0.8, 0.8, 2.5)))})
        analysis = client.analyze(result.study_id, progress=print)
        print(analysis.labels.shape, analysis.diagnosis["verdict"])

Every failed call raises RenalError (code, message, details); bad arguments raise ValueError
before anything is sent.
"""
from .client import RenalClient, describe_phases
from .edits import changed_box, plan_edit, run_length_decode, run_length_encode
from .errors import ErrorDetails, ErrorInfo, FieldViolation, RenalError, ResourceInfo, Violation
from .geometry import Geometry
from .phase_words import phase_of_description, phases_named_by
from .phases import PHASE_NAMES, dtype_of, phase_name, phase_to_enum, voxel_type_of
from .segmentation import AnalysisResult, EditResult, LabelMap, ProgressEvent, VoxelBox
from .slicer_geometry import geometry_from_ijk_to_ras, ijk_to_ras_matrix, lps_to_ras_point, ras_to_lps_point
from .studies import StudyInfo, StudyListing, UploadResult
from .volumes import MAX_CHUNK_BYTES, PhaseDescriptor, sha256_of_array, wire_array

__all__ = [
    "RenalClient", "describe_phases", "RenalError", "ErrorDetails", "ErrorInfo", "FieldViolation", "ResourceInfo",
    "Violation", "Geometry", "PHASE_NAMES", "phase_name", "phase_to_enum", "voxel_type_of", "dtype_of",
    "StudyInfo", "StudyListing", "UploadResult", "MAX_CHUNK_BYTES", "PhaseDescriptor", "sha256_of_array",
    "wire_array", "AnalysisResult", "EditResult", "LabelMap", "ProgressEvent", "VoxelBox", "changed_box", "plan_edit",
    "run_length_encode", "run_length_decode", "geometry_from_ijk_to_ras", "ijk_to_ras_matrix", "lps_to_ras_point",
    "ras_to_lps_point", "phase_of_description", "phases_named_by",
]
