"""RenalClient: the numpy-facing API over the renal.v1 InfoService and StudyService."""
from __future__ import annotations

import pathlib
import threading
from typing import Any, Callable, Dict, Iterable, Iterator, List, Mapping, Optional, Sequence, Tuple, Union

import grpc
import numpy as np

from ._generated import analysis_pb2, info_pb2, info_pb2_grpc, studies_pb2, studies_pb2_grpc
from .analysis import AnalysisCalls, AnalyzeProgress
from .endpoint import Endpoint
from .errors import RenalError, rpc_errors_as_renal_error
from .geometry import Geometry
from .phases import phase_name
from .segmentation import AnalysisResult, EditResult, LabelMap
from .server_info import server_info_dict
from .studies import StudyInfo, StudyListing, UploadResult
from .volumes import (MAX_CHUNK_BYTES, PhaseDescriptor, PreparedPhase, UploadCancelled, compression_of,
                      prepare_phase, volume_chunks)

PhaseVolumes = Mapping[str, Tuple[np.ndarray, Geometry]]
ProgressCallback = Callable[[int, int], None]

_CANCEL_POLL_SECONDS = 0.05  # how often a blocked upload looks at cancel_event


def describe_phases(phases: PhaseVolumes, cancel_event: Optional[threading.Event] = None) -> List[PhaseDescriptor]:
    """The descriptors (dtype, geometry with size, byte length, SHA-256) the server would store."""
    return [p.descriptor for p in _prepare(phases, cancel_event)]


def _prepare(phases: PhaseVolumes, cancel_event: Optional[threading.Event]) -> List[PreparedPhase]:
    if not phases:
        raise ValueError("a study needs at least one phase")
    prepared: Dict[str, PreparedPhase] = {}
    for key, value in phases.items():
        name = phase_name(key)
        if name in prepared:
            raise ValueError(f"phase {name} given twice (keys are case-insensitive)")
        if not isinstance(value, tuple) or len(value) != 2 or not isinstance(value[1], Geometry):
            raise ValueError(f"phase {name}: expected a tuple (array, Geometry), got {type(value).__name__}")
        prepared[name] = prepare_phase(name, value[0], value[1], cancel_event)
        same = next((p for p in prepared if p != name and prepared[p].descriptor.sha256 == prepared[name].descriptor.sha256), None)
        if same is not None:
            # The server refuses it too (DUPLICATE_PHASE_DATA): the classifier would read no enhancement between them.
            raise ValueError(f"phases {same} and {name} have the same voxels: one scan given for two phases")
    return list(prepared.values())


class RenalClient:
    """A connection to a RenalGrpc server. Thread-safe; use as a context manager or call close().

    url: "http://127.0.0.1:50051" (cleartext HTTP/2) or "https://host[:port]" (TLS).
    token: sent as "authorization: Bearer <token>" on every call.
    root_certificates: PEM bytes or a file path for https (None = the system's roots).
    client_certificate, client_key: PEM bytes or file paths of this client's certificate (chain) and
        private key, for a server started with --tls-client-ca (mutual TLS); both or neither.
    timeout: deadline in seconds for the small calls (uploads take upload_study's own timeout).
    """

    def __init__(self, url: str = "http://127.0.0.1:50051", token: Optional[str] = None,
                 root_certificates: Union[None, bytes, str, pathlib.Path] = None, timeout: float = 30.0,
                 client_certificate: Union[None, bytes, str, pathlib.Path] = None,
                 client_key: Union[None, bytes, str, pathlib.Path] = None) -> None:
        self.endpoint = Endpoint.parse(url)
        self.timeout = timeout
        self._metadata: Tuple[Tuple[str, str], ...] = (("authorization", f"Bearer {token}"),) if token else ()
        self._channel = self.endpoint.open_channel(root_certificates, client_certificate, client_key)
        self._info = info_pb2_grpc.InfoServiceStub(self._channel)
        self._studies = studies_pb2_grpc.StudyServiceStub(self._channel)
        self._analysis = AnalysisCalls(self._channel, self._metadata, timeout)

    def __enter__(self) -> "RenalClient":
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self.close()

    def close(self) -> None:
        self._channel.close()

    # --- small calls -------------------------------------------------------------------------

    def server_info(self) -> Dict[str, Any]:
        """Versions, model, label table, subtypes, limits, compressions, auth (see server_info.py)."""
        with rpc_errors_as_renal_error():
            info = self._info.GetServerInfo(info_pb2.GetServerInfoRequest(), timeout=self.timeout,
                                            metadata=self._metadata)
        return server_info_dict(info)

    def find_study(self, phases: Union[PhaseVolumes, Sequence[PhaseDescriptor]]) -> Optional[StudyInfo]:
        """The stored study with exactly these phases (refreshing its TTL), or None. Sends no voxels."""
        descriptors = list(phases) if _is_descriptor_list(phases) else describe_phases(phases)  # type: ignore[arg-type]
        request = studies_pb2.FindStudyRequest(phases=[d.to_proto() for d in descriptors])
        with rpc_errors_as_renal_error():
            response = self._studies.FindStudy(request, timeout=self.timeout, metadata=self._metadata)
        return StudyInfo.from_proto(response.study) if response.found else None

    def get_study(self, study_id: str) -> StudyInfo:
        """Raises RenalError(NOT_FOUND) for an unknown or expired study."""
        with rpc_errors_as_renal_error():
            info = self._studies.GetStudy(studies_pb2.GetStudyRequest(study_id=study_id), timeout=self.timeout,
                                          metadata=self._metadata)
        return StudyInfo.from_proto(info)

    def list_studies(self) -> StudyListing:
        with rpc_errors_as_renal_error():
            response = self._studies.ListStudies(studies_pb2.ListStudiesRequest(), timeout=self.timeout,
                                                 metadata=self._metadata)
        return StudyListing(tuple(StudyInfo.from_proto(s) for s in response.studies), response.memory_used_bytes,
                            response.memory_budget_bytes)

    def delete_study(self, study_id: str) -> bool:
        """True if the study existed and was deleted; False if there was no such study."""
        with rpc_errors_as_renal_error():
            response = self._studies.DeleteStudy(studies_pb2.DeleteStudyRequest(study_id=study_id),
                                                 timeout=self.timeout, metadata=self._metadata)
        return response.deleted

    # --- upload ------------------------------------------------------------------------------

    def upload_study(self, phases: PhaseVolumes, progress: Optional[ProgressCallback] = None,
                     compression: Union[None, str, int] = None, cancel_event: Optional[threading.Event] = None,
                     timeout: Optional[float] = None, chunk_bytes: int = MAX_CHUNK_BYTES) -> UploadResult:
        """Stores a multi-phase study; returns its id and expiry.

        phases: {"N"|"A"|"P"|"D": (array of shape (k, j, i), Geometry)}; dtype uint8, int16, uint16 or
            float32 (converted to C order / little-endian when needed, never to another type).
        progress: progress(bytes_sent, total_bytes), uncompressed bytes, called from gRPC's sending thread
            after each chunk (first with 0). An exception it raises cancels the upload and is re-raised here.
        compression: None, "zstd" or "lz4" (needs the zstandard / lz4 module); per chunk, the client falls
            back to raw bytes where compressing does not shrink them.
        cancel_event: set it from any thread to cancel; the call then raises RenalError(CANCELLED) and the
            server stores nothing. Noticed within ~50 ms, also while hashing.
        timeout: deadline in seconds for the whole upload (None = no deadline).

        The study is identified by its content: the client first asks FindStudy and, if the server has it,
        returns already_stored=True without sending any voxels.
        """
        compression_value, compress = compression_of(compression)
        try:
            prepared = _prepare(phases, cancel_event)
        except UploadCancelled:
            raise RenalError(grpc.StatusCode.CANCELLED, "upload cancelled by the client while hashing") from None
        found = self.find_study([p.descriptor for p in prepared])
        if found is not None:
            return UploadResult(found.study_id, found.expires_at, already_stored=True, bytes_received={})
        if cancel_event is not None and cancel_event.is_set():
            raise RenalError(grpc.StatusCode.CANCELLED, "upload cancelled by the client before sending")
        stream = _UploadStream(prepared, progress, cancel_event,
                               lambda p: volume_chunks(p, compression_value, compress, chunk_bytes))
        call = self._studies.UploadStudy.future(stream.requests(), timeout=timeout, metadata=self._metadata)
        return UploadResult.from_proto(stream.wait(call))

    # --- analysis and the edit loop (analysis.py, edits.py) ---------------------------------

    def analyze(self, study_id: str, progress: Optional[AnalyzeProgress] = None,
                cancel_event: Optional[threading.Event] = None, mirror_tta: bool = False,
                per_phase_masks: bool = False, reference_phase: Optional[str] = None,
                timeout: Optional[float] = None) -> AnalysisResult:
        """Segments and diagnoses a stored study.

        Returns AnalysisResult: labels (uint8 (k, j, i) in the reference phase's grid, SHA-256 checked),
        geometry (LPS Geometry of labels), reference_phase, revision, diagnosis (dict, camelCase keys as in
        the proto's JSON form, defaults included), phase_masks ({phase: LabelMap}, with per_phase_masks).
        progress(ProgressEvent) is called on the calling thread for each progress message; if it raises, the
        analysis is cancelled and the exception propagates. cancel_event: set it from any thread to cancel
        (RenalError CANCELLED within ~50 ms). Without a model the server answers UNAVAILABLE.
        """
        return self._analysis.analyze(study_id, progress, cancel_event, mirror_tta, per_phase_masks, reference_phase,
                                      timeout)

    def get_segmentation(self, study_id: str, revision: int = 0, phase: Optional[str] = None,
                         timeout: Optional[float] = None) -> LabelMap:
        """A stored revision's labels (0 = latest) in the reference grid, or in `phase`'s own grid."""
        return self._analysis.get_segmentation(study_id, revision, phase, timeout if timeout is not None else self.timeout)

    def submit_edit(self, study_id: str, base_revision: int, old_labels: np.ndarray, new_labels: np.ndarray,
                    whole_map_fraction: float = 0.5, timeout: Optional[float] = None) -> EditResult:
        """Sends new_labels as an edit of base_revision (whose labels are old_labels), reference grid, (k, j, i).

        Only the bounding box of the changed voxels travels, run-length encoded; the whole map is sent when
        the box covers more than whole_map_fraction of the volume. Returns EditResult(revision,
        changed_region, diagnosis). A stale base_revision raises RenalError(ABORTED); its current_revision
        says the revision to rebase on. ValueError when nothing changed.
        """
        return self._analysis.submit_edit(study_id, base_revision, old_labels, new_labels, whole_map_fraction,
                                          timeout if timeout is not None else self.timeout)

    def remove_lesion_at(self, study_id: str, base_revision: int, point_lps: Sequence[float],
                         timeout: Optional[float] = None) -> EditResult:
        """Removes the lesion under a point (LPS mm; from Slicer RAS use slicer_geometry.ras_to_lps_point)."""
        return self._analysis.hint(study_id, base_revision, point_lps, analysis_pb2.LesionHint.ACTION_REMOVE,
                                   timeout if timeout is not None else self.timeout)

    def add_lesion_at(self, study_id: str, base_revision: int, point_lps: Sequence[float],
                      timeout: Optional[float] = None) -> EditResult:
        """Asks the server to segment a lesion the model missed around a point (LPS mm)."""
        return self._analysis.hint(study_id, base_revision, point_lps, analysis_pb2.LesionHint.ACTION_ADD,
                                   timeout if timeout is not None else self.timeout)


def _is_descriptor_list(phases: object) -> bool:
    return isinstance(phases, (list, tuple)) and all(isinstance(p, PhaseDescriptor) for p in phases)


class _UploadStream:
    """The request generator of one upload and the waiting side that can cancel it.

    WHY the handshake: the generator runs on gRPC's thread, where an exception only becomes UNKNOWN
    "Exception iterating requests". So it records the problem, asks the waiting thread to cancel the
    call, and parks until that happened (returning early would half-close the stream and let the
    server finish an incomplete upload before the cancel arrives).
    """

    def __init__(self, prepared: List[PreparedPhase], progress: Optional[ProgressCallback],
                 cancel_event: Optional[threading.Event],
                 chunks_of: Callable[[PreparedPhase], Iterable[Tuple[Any, int]]]) -> None:
        self._prepared = prepared
        self._progress = progress
        self._cancel_event = cancel_event
        self._chunks_of = chunks_of
        self._total = sum(p.descriptor.byte_length for p in prepared)
        self._wake = threading.Event()        # the call finished, or the generator asks to stop
        self._stop_requested = False
        self._released = threading.Event()    # waiter -> generator: call cancelled or finished
        self._error: Optional[BaseException] = None

    def _cancel_requested(self) -> bool:
        return self._cancel_event is not None and self._cancel_event.is_set()

    def _stop(self, error: Optional[BaseException]) -> None:
        self._error = error
        self._stop_requested = True
        self._wake.set()
        self._released.wait()

    def requests(self) -> Iterator[studies_pb2.UploadStudyRequest]:
        try:
            header = studies_pb2.UploadHeader(phases=[p.descriptor.to_proto() for p in self._prepared])
            yield studies_pb2.UploadStudyRequest(header=header)
            sent = 0
            self._report(sent)
            for phase in self._prepared:
                for chunk, length in self._chunks_of(phase):
                    if self._cancel_requested():
                        self._stop(None)
                        return
                    yield studies_pb2.UploadStudyRequest(chunk=chunk)
                    sent += length
                    self._report(sent)
        except Exception as error:  # noqa: BLE001 - handed to the waiting thread, re-raised there
            self._stop(error)

    def _report(self, sent: int) -> None:
        if self._progress is not None:
            self._progress(sent, self._total)

    def wait(self, call: grpc.Future) -> studies_pb2.UploadStudyResponse:
        call.add_done_callback(lambda _: self._wake.set())
        try:
            while not call.done():
                self._wake.wait(_CANCEL_POLL_SECONDS if self._cancel_event is not None else None)
                self._wake.clear()
                if call.done():
                    break
                if self._stop_requested or self._cancel_requested():
                    call.cancel()
                    break
            if self._error is not None:
                raise self._error
            try:
                return call.result()
            except grpc.FutureCancelledError:
                raise RenalError(grpc.StatusCode.CANCELLED, "upload cancelled by the client") from None
            except grpc.RpcError as error:
                if self._error is not None:
                    raise self._error from None
                raise RenalError.from_rpc_error(error) from None
        finally:
            if not call.done():
                call.cancel()  # e.g. KeyboardInterrupt while waiting
            self._released.set()
