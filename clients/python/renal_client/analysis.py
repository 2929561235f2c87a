"""The AnalysisService calls behind RenalClient.analyze / get_segmentation / submit_edit."""
from __future__ import annotations

import threading
from typing import Callable, Dict, Iterable, Optional, Tuple

import grpc
import numpy as np

from ._generated import analysis_pb2, analysis_pb2_grpc
from .edits import checked_revision, edit_requests, hint_request, plan_edit
from .errors import RenalError
from .phases import phase_to_enum
from .segmentation import (AnalysisResult, EditResult, LabelMap, LabelMapReceiver, ProgressEvent, diagnosis_dict,
                           optional_phase)

AnalyzeProgress = Callable[[ProgressEvent], None]
Metadata = Tuple[Tuple[str, str], ...]
_CANCEL_POLL_SECONDS = 0.05


class _CancelWatch:
    """Cancels a streaming call when cancel_event is set (polled on a daemon thread until the call ends)."""

    def __init__(self, call, cancel_event: Optional[threading.Event]) -> None:
        self._call = call
        self._event = cancel_event
        self._finished = threading.Event()
        self.cancelled = False
        if cancel_event is not None:
            threading.Thread(target=self._watch, name="renal-cancel-watch", daemon=True).start()

    def _watch(self) -> None:
        while not self._finished.is_set():
            if self._event.wait(_CANCEL_POLL_SECONDS):
                self.cancelled = True
                self._call.cancel()
                return

    def close(self) -> None:
        self._finished.set()


def _stream(call, cancel_event: Optional[threading.Event], what: str) -> Iterable:
    """Yields the call's messages; RpcError -> RenalError, a client-side cancel -> RenalError(CANCELLED)."""
    if cancel_event is not None and cancel_event.is_set():
        call.cancel()
        raise RenalError(grpc.StatusCode.CANCELLED, f"{what} cancelled by the client")
    watch = _CancelWatch(call, cancel_event)
    try:
        for message in call:
            yield message
    except grpc.RpcError as error:
        if watch.cancelled or (cancel_event is not None and cancel_event.is_set()):
            raise RenalError(grpc.StatusCode.CANCELLED, f"{what} cancelled by the client") from None
        raise RenalError.from_rpc_error(error) from None
    finally:
        watch.close()
        call.cancel()  # no-op when finished; stops the server when the caller stopped early (e.g. progress raised)


class AnalysisCalls:
    def __init__(self, channel: grpc.Channel, metadata: Metadata, timeout: float) -> None:
        self._stub = analysis_pb2_grpc.AnalysisServiceStub(channel)
        self._metadata = metadata
        self._timeout = timeout
        self.reference_phases: Dict[str, str] = {}  # study id -> reference phase of its last analysis

    def analyze(self, study_id: str, progress: Optional[AnalyzeProgress], cancel_event: Optional[threading.Event],
                mirror_tta: bool, per_phase_masks: bool, reference_phase: Optional[str],
                timeout: Optional[float]) -> AnalysisResult:
        options = analysis_pb2.AnalyzeOptions(mirror_tta=mirror_tta, per_phase_masks=per_phase_masks,
                                              reference_phase=optional_phase(reference_phase))
        call = self._stub.Analyze(analysis_pb2.AnalyzeRequest(study_id=study_id, options=options), timeout=timeout,
                                  metadata=self._metadata)
        maps: Dict[str, LabelMap] = {}
        receiver: Optional[LabelMapReceiver] = None
        reference: Optional[LabelMap] = None
        diagnosis = None
        for response in _stream(call, cancel_event, "analysis"):
            kind = response.WhichOneof("payload")
            if kind == "progress" and progress is not None:
                progress(ProgressEvent.from_proto(response.progress))
            elif kind == "segmentation_header":
                reference = _finish(receiver, maps, reference)
                receiver = LabelMapReceiver(response.segmentation_header)
            elif kind == "segmentation_chunk":
                if receiver is None:
                    raise RenalError(grpc.StatusCode.INTERNAL, "segmentation chunk before its header")
                receiver.add(response.segmentation_chunk)
            elif kind == "diagnosis":
                reference = _finish(receiver, maps, reference)
                receiver = None
                diagnosis = response.diagnosis
        if diagnosis is None or reference is None:
            raise RenalError(grpc.StatusCode.DATA_LOSS, "the analysis stream ended without a segmentation and diagnosis")
        result_dict = diagnosis_dict(diagnosis)
        phase = diagnosis.reference_phase or reference.phase
        self.reference_phases[study_id] = phase
        return AnalysisResult(reference.labels, reference.geometry, phase, reference.revision or diagnosis.revision,
                              result_dict, maps)

    def get_segmentation(self, study_id: str, revision: int, phase: Optional[str],
                         timeout: Optional[float]) -> LabelMap:
        request = analysis_pb2.GetSegmentationRequest(study_id=study_id, revision=checked_revision(revision, "revision", latest=True),
                                                      phase=optional_phase(phase))
        call = self._stub.GetSegmentation(request, timeout=timeout, metadata=self._metadata)
        receiver: Optional[LabelMapReceiver] = None
        for message in _stream(call, None, "download"):
            if message.WhichOneof("payload") == "header":
                if receiver is not None:
                    raise RenalError(grpc.StatusCode.INTERNAL, "GetSegmentation sent a second header")
                receiver = LabelMapReceiver(message.header)
            elif receiver is None:
                raise RenalError(grpc.StatusCode.INTERNAL, "segmentation chunk before its header")
            else:
                receiver.add(message.chunk)
        if receiver is None:
            raise RenalError(grpc.StatusCode.DATA_LOSS, "GetSegmentation sent no label map")
        return receiver.finish()

    def submit_edit(self, study_id: str, base_revision: int, old_labels: np.ndarray, new_labels: np.ndarray,
                    whole_map_fraction: float, timeout: Optional[float]) -> EditResult:
        base_revision = checked_revision(base_revision, "base_revision")
        edit = plan_edit(np.asarray(old_labels), np.asarray(new_labels), whole_map_fraction)
        if edit is None:
            raise ValueError("no voxel changed between old_labels and new_labels: nothing to submit")
        phase = self.reference_phases.get(study_id)
        requests = edit_requests(study_id, base_revision, edit, phase_to_enum(phase) if phase else 0)
        return self._send(requests, timeout)

    def hint(self, study_id: str, base_revision: int, point_lps, action: int, timeout: Optional[float]) -> EditResult:
        return self._send(iter([hint_request(study_id, base_revision, point_lps, action)]), timeout)

    def _send(self, requests, timeout: Optional[float]) -> EditResult:
        try:
            response = self._stub.SubmitEdit(requests, timeout=timeout, metadata=self._metadata)
        except grpc.RpcError as error:
            raise RenalError.from_rpc_error(error) from None
        return EditResult.from_proto(response)


def _finish(receiver: Optional[LabelMapReceiver], maps: Dict[str, LabelMap],
            reference: Optional[LabelMap]) -> Optional[LabelMap]:
    """Completes the label map in progress; returns the reference map (the first reference grid seen)."""
    if receiver is None:
        return reference
    label_map = receiver.finish()
    if label_map.is_reference_grid:
        return reference or label_map
    maps[label_map.phase] = label_map
    return reference
