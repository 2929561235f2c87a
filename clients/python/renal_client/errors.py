"""RenalError: the one exception the client raises for a failed call, with google.rpc details."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Dict, Optional, Sequence, Tuple

import grpc
from google.protobuf.message import DecodeError

from ._generated import google_rpc_pb2

STATUS_DETAILS_KEY = "grpc-status-details-bin"


@dataclass(frozen=True)
class FieldViolation:
    field: str
    description: str
    reason: str = ""


@dataclass(frozen=True)
class ErrorInfo:
    reason: str
    domain: str
    metadata: Dict[str, str]


@dataclass(frozen=True)
class Violation:
    """A QuotaFailure or PreconditionFailure violation (type is "" for quota violations)."""

    subject: str
    description: str
    type: str = ""


@dataclass(frozen=True)
class ResourceInfo:
    resource_type: str
    resource_name: str
    owner: str
    description: str


@dataclass(frozen=True)
class ErrorDetails:
    """What the server attached as google.rpc.Status details (all empty when it attached none)."""

    field_violations: Tuple[FieldViolation, ...] = ()
    error_info: Optional[ErrorInfo] = None
    retry_delay_seconds: Optional[float] = None
    quota_violations: Tuple[Violation, ...] = ()
    precondition_violations: Tuple[Violation, ...] = ()
    resource_info: Optional[ResourceInfo] = None
    debug_detail: str = ""
    request_id: str = ""
    help_links: Tuple[Tuple[str, str], ...] = ()  # (description, url)
    unknown_types: Tuple[str, ...] = field(default=())  # type URLs this client does not decode

    def summary(self) -> str:
        parts = [f"{v.field}: {v.description}" for v in self.field_violations]
        parts += [f"{v.subject}: {v.description}" for v in self.quota_violations + self.precondition_violations]
        if self.error_info is not None:
            parts.append(f"reason {self.error_info.reason}")
        if self.retry_delay_seconds is not None:
            parts.append(f"retry after {self.retry_delay_seconds:g} s")
        return "; ".join(parts)


class RenalError(Exception):
    """A call failed. `code` is a grpc.StatusCode, `message` the server's text, `details` its ErrorDetails."""

    def __init__(self, code: grpc.StatusCode, message: str, details: Optional[ErrorDetails] = None) -> None:
        self.code = code
        self.message = message
        self.details = details if details is not None else ErrorDetails()
        text = f"{code.name}: {message}"
        summary = self.details.summary()
        if summary and summary not in message:
            text += f" [{summary}]"
        super().__init__(text)

    @property
    def field_violations(self) -> Tuple[FieldViolation, ...]:
        return self.details.field_violations

    @property
    def current_revision(self) -> Optional[int]:
        """For ABORTED (stale base_revision): the study's current revision, if the server said it.

        Looked up in ErrorInfo metadata ("current_revision" / "currentRevision" / "revision"), then in the
        message ("... current revision 3 ..."); None when neither has it.
        """
        info = self.details.error_info
        if info is not None:
            for key in ("current_revision", "currentRevision", "revision"):
                value = info.metadata.get(key, "")
                if value.isdigit():
                    return int(value)
        match = re.search(r"current revision (?:is )?(\d+)", self.message, re.IGNORECASE)
        return int(match.group(1)) if match else None

    @classmethod
    def from_rpc_error(cls, error: grpc.RpcError) -> "RenalError":
        code = error.code() if hasattr(error, "code") else grpc.StatusCode.UNKNOWN
        message = error.details() if hasattr(error, "details") else str(error)
        trailers = error.trailing_metadata() if hasattr(error, "trailing_metadata") else None
        return cls(code or grpc.StatusCode.UNKNOWN, message or "", parse_status_details(trailers or ()))


def parse_status_details(trailers: Sequence[Tuple[str, object]]) -> ErrorDetails:
    """Decodes the google.rpc.Status in the grpc-status-details-bin trailer; empty details if absent or garbled."""
    raw = next((value for key, value in trailers if key == STATUS_DETAILS_KEY), None)
    if not isinstance(raw, (bytes, bytearray)):
        return ErrorDetails()
    status = google_rpc_pb2.Status()
    try:
        status.ParseFromString(bytes(raw))
    except DecodeError:
        return ErrorDetails(unknown_types=("<undecodable grpc-status-details-bin>",))
    return _details_of(status)


def _details_of(status: google_rpc_pb2.Status) -> ErrorDetails:
    found: Dict[str, object] = {"field_violations": [], "quota_violations": [], "precondition_violations": [],
                                "help_links": [], "unknown_types": []}
    for any_detail in status.details:
        type_name = any_detail.type_url.rsplit("/", 1)[-1]
        decode = _DECODERS.get(type_name)
        if decode is None:
            found["unknown_types"].append(any_detail.type_url)
            continue
        try:
            decode(any_detail.value, found)
        except DecodeError:
            found["unknown_types"].append(any_detail.type_url)
    return ErrorDetails(**{key: tuple(value) if isinstance(value, list) else value for key, value in found.items()})


def _bad_request(value: bytes, found: Dict[str, object]) -> None:
    message = google_rpc_pb2.BadRequest.FromString(value)
    found["field_violations"].extend(FieldViolation(v.field, v.description, v.reason) for v in message.field_violations)


def _error_info(value: bytes, found: Dict[str, object]) -> None:
    message = google_rpc_pb2.ErrorInfo.FromString(value)
    found["error_info"] = ErrorInfo(message.reason, message.domain, dict(message.metadata))


def _retry_info(value: bytes, found: Dict[str, object]) -> None:
    delay = google_rpc_pb2.RetryInfo.FromString(value).retry_delay
    found["retry_delay_seconds"] = delay.seconds + delay.nanos / 1e9


def _quota_failure(value: bytes, found: Dict[str, object]) -> None:
    message = google_rpc_pb2.QuotaFailure.FromString(value)
    found["quota_violations"].extend(Violation(v.subject, v.description) for v in message.violations)


def _precondition_failure(value: bytes, found: Dict[str, object]) -> None:
    message = google_rpc_pb2.PreconditionFailure.FromString(value)
    found["precondition_violations"].extend(Violation(v.subject, v.description, v.type) for v in message.violations)


def _resource_info(value: bytes, found: Dict[str, object]) -> None:
    m = google_rpc_pb2.ResourceInfo.FromString(value)
    found["resource_info"] = ResourceInfo(m.resource_type, m.resource_name, m.owner, m.description)


def _debug_info(value: bytes, found: Dict[str, object]) -> None:
    found["debug_detail"] = google_rpc_pb2.DebugInfo.FromString(value).detail


def _request_info(value: bytes, found: Dict[str, object]) -> None:
    found["request_id"] = google_rpc_pb2.RequestInfo.FromString(value).request_id


def _help(value: bytes, found: Dict[str, object]) -> None:
    found["help_links"].extend((link.description, link.url) for link in google_rpc_pb2.Help.FromString(value).links)


_DECODERS = {
    "google.rpc.BadRequest": _bad_request,
    "google.rpc.ErrorInfo": _error_info,
    "google.rpc.RetryInfo": _retry_info,
    "google.rpc.QuotaFailure": _quota_failure,
    "google.rpc.PreconditionFailure": _precondition_failure,
    "google.rpc.ResourceInfo": _resource_info,
    "google.rpc.DebugInfo": _debug_info,
    "google.rpc.RequestInfo": _request_info,
    "google.rpc.Help": _help,
}


def rpc_errors_as_renal_error() -> "_RpcErrorTranslation":
    """Context manager: re-raises grpc.RpcError as RenalError."""
    return _RpcErrorTranslation()


class _RpcErrorTranslation:
    def __enter__(self) -> None:
        return None

    def __exit__(self, kind, error, traceback) -> bool:
        if isinstance(error, grpc.RpcError):
            raise RenalError.from_rpc_error(error) from None
        return False

