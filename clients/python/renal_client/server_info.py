"""renal.v1.ServerInfo as a plain dict (JSON-friendly; enums as short names)."""
from __future__ import annotations

from typing import Any, Dict

from ._generated import info_pb2, types_pb2
from .phases import phase_name


def server_info_dict(info: info_pb2.ServerInfo) -> Dict[str, Any]:
    limits = info.limits
    return {
        "server_version": info.server_version,
        "model": {
            "name": info.model.name,
            "version": info.model.version,
            "sha256": info.model.sha256,
            "loaded": info.model.loaded,
            "status": info.model.status,
            "training_data": info.model.training_data,
        },
        "device": info.device,
        "labels": [
            {"value": label.value, "name": label.name, "color": (label.red, label.green, label.blue),
             "snomed_ct_code": label.snomed_ct_code, "snomed_ct_meaning": label.snomed_ct_meaning,
             "snomed_ct_category": label.snomed_ct_category}
            for label in info.labels
        ],
        "subtypes": list(info.subtypes),
        "phases_supported": [phase_name(p) for p in info.phases_supported if p != types_pb2.PHASE_UNSPECIFIED],
        "limits": {
            "max_voxels_per_phase": limits.max_voxels_per_phase,
            "max_chunk_bytes": limits.max_chunk_bytes,
            "max_study_bytes": limits.max_study_bytes,
            "memory_budget_bytes": limits.memory_budget_bytes,
            "study_ttl_seconds": limits.study_ttl.seconds + limits.study_ttl.nanos / 1e9,
            "max_message_bytes": limits.max_message_bytes,
            "analyze_queue_capacity": limits.analyze_queue_capacity,
        },
        # "NONE", "ZSTD", "LZ4"
        "compressions": [_compression_name(c) for c in info.compressions],
        "auth_required": info.auth_required,
    }


def _compression_name(value: int) -> str:
    try:
        return types_pb2.Compression.Name(value)[len("COMPRESSION_"):]
    except ValueError:  # a newer server's compression this contract version does not name
        return str(value)
