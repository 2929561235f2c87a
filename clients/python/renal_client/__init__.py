"""Python client for RenalGrpc (renal.v1): upload multi-phase kidney CT from numpy, manage studies.

Needs numpy, grpcio and protobuf (>= 3.20) only; zstandard / lz4 are optional (compressed uploads).
Nothing here imports Slicer, so the same package runs in plain Python and in Slicer's Python.

    from renal_client import RenalClient, Geometry
    with RenalClient("http://127.0.0.1:50051") as client:
        result = client.upload_study({"P": (volume_kji, Geometry(spacing=(0.8, 0.8, 2.5)))})
        print(result.study_id, client.get_study(result.study_id).phases["P"].sha256_hex)

Every failed call raises RenalError (code, message, details); bad arguments raise ValueError
before anything is sent.
"""
from .client import RenalClient, describe_phases
from .errors import ErrorDetails, ErrorInfo, FieldViolation, RenalError, ResourceInfo, Violation
from .geometry import Geometry
from .phases import PHASE_NAMES, dtype_of, phase_name, phase_to_enum, voxel_type_of
from .studies import StudyInfo, StudyListing, UploadResult
from .volumes import MAX_CHUNK_BYTES, PhaseDescriptor, sha256_of_array, wire_array

__all__ = [
    "RenalClient", "describe_phases", "RenalError", "ErrorDetails", "ErrorInfo", "FieldViolation", "ResourceInfo",
    "Violation", "Geometry", "PHASE_NAMES", "phase_name", "phase_to_enum", "voxel_type_of", "dtype_of",
    "StudyInfo", "StudyListing", "UploadResult", "MAX_CHUNK_BYTES", "PhaseDescriptor", "sha256_of_array",
    "wire_array",
]
