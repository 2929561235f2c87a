"""RenalAnalysis logic without Qt or Slicer imports: volumes -> arrays with LPS geometry -> server -> segments.

Every Slicer call goes through an adapter (slicer_adapter.SlicerAdapter inside Slicer, a fake in pytest), so
this file runs and is tested in plain Python against the real server. Threading contract: the methods
marked "GUI thread" touch MRML nodes through the adapter; the ones marked "worker" only talk to the server
and may run on a threading.Thread.
"""
from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, List, Mapping, Optional, Protocol, Sequence, Tuple

import numpy as np

from .client_path import add_client_to_path

add_client_to_path()
from renal_client import (AnalysisResult, EditResult, Geometry, ProgressEvent, RenalClient,  # noqa: E402
                          geometry_from_ijk_to_ras, ijk_to_ras_matrix, phase_of_description)

PHASES = ("N", "A", "P", "D")
REFERENCE_ORDER = ("P", "A", "D", "N")  # the server's default reference phase: P, else A, else D, else N
# Share of the progress bar per stage (upload first); within a stage the server's fraction moves the bar.
STAGE_SPAN = {"UPLOAD": (0.0, 0.1), "QUEUED": (0.1, 0.12), "PREPROCESSING": (0.12, 0.2),
              "SEGMENTATION": (0.2, 0.75), "ALIGNMENT": (0.75, 0.85), "REFINEMENT": (0.85, 0.88), "CLASSIFICATION": (0.88, 0.95),
              "ENCODING": (0.95, 1.0)}
CATEGORY_CODES = {"Anatomical Structure": "123037004", "Morphologically Altered Structure": "49755003",
                  "Tissue": "85756007"}
# Painted last wins: a tumour drawn over kidney or cyst stays tumour (KiTS23).
PAINT_ORDER = ("kidney", "cyst", "tumor")


class Adapter(Protocol):
    def volume_array(self, node: Any) -> np.ndarray: ...                  # (k, j, i), a copy
    def ijk_to_ras(self, node: Any) -> np.ndarray: ...                    # 4x4
    def create_segmentation(self, name: str, labels: np.ndarray, reference_node: Any,
                            segments: Sequence["SegmentSpec"]) -> Any: ...
    def segmentation_labels(self, segmentation_node: Any, reference_node: Any,
                            segments: Sequence["SegmentSpec"]) -> np.ndarray: ...


@dataclass(frozen=True)
class SegmentSpec:
    value: int
    name: str
    color: tuple  # r, g, b in 0..1
    terminology: str  # Slicer terminology entry string ("" = none)


@dataclass
class Session:
    """One analysed study shown in Slicer: what the next edit is based on."""

    study_id: str
    reference_phase: str
    revision: int
    labels: np.ndarray          # labels of `revision` in the reference grid (the edit base)
    geometry: Geometry
    diagnosis: Dict[str, Any]
    reference_node: Any = None
    segmentation_node: Any = None
    segments: List[SegmentSpec] = field(default_factory=list)
    # Phases that do not enhance as named (Analyze's phase check), and tumors read from too few phases;
    # an edit's answer repeats the first and recomputes the second (servers before session 24 sent none: kept).
    phase_warnings: List[str] = field(default_factory=list)
    # The volume analysed as each phase (for "Use phases as they look").
    phase_nodes: Dict[str, Any] = field(default_factory=dict)


def segment_specs(server_info: Mapping[str, Any]) -> List[SegmentSpec]:
    """Segments from the server's label table: names, colours and SNOMED CT terminology; background skipped."""
    specs = []
    for label in server_info.get("labels", []):
        if label["value"] == 0:
            continue
        terminology = ""
        if label.get("snomed_ct_code"):
            category = label.get("snomed_ct_category", "")
            terminology = ("Segmentation category and type - 3D Slicer General Anatomy list"
                           f"~SCT^{CATEGORY_CODES.get(category, '')}^{category}"
                           f"~SCT^{label['snomed_ct_code']}^{label.get('snomed_ct_meaning', '')}"
                           "~^^~Anatomic codes - DICOM master list~^^~^^")
        specs.append(SegmentSpec(label["value"], label["name"], tuple(c / 255.0 for c in label["color"]), terminology))
    return specs


def wire_volume(array: np.ndarray) -> np.ndarray:
    """A Slicer voxel array in a dtype the contract takes: uint8/int16/uint16/float32 kept, others converted."""
    if array.dtype in (np.uint8, np.int16, np.uint16, np.float32):
        return np.ascontiguousarray(array)
    if array.dtype.kind in "iub" and array.size and -32768 <= array.min() and array.max() <= 32767:
        return array.astype(np.int16)
    return array.astype(np.float32)


def reference_phase_of(phases: Sequence[str]) -> str:
    return next(p for p in REFERENCE_ORDER if p in phases)


def overall_fraction(stage: str, fraction: float) -> float:
    low, high = STAGE_SPAN.get(stage, (0.0, 1.0))
    return low + (high - low) * min(max(fraction, 0.0), 1.0)


def assign_phase_volumes(named_nodes: Sequence[Tuple[Any, str]]) -> Tuple[Dict[str, Any], List[str]]:
    """Volumes whose names name one phase (Slicer names DICOM volumes "3: ARTERIAL 2.5mm"), as
    {phase: node}, and one note per volume or phase left for the user: a phase named by two
    volumes is not guessed, a name naming no phase is skipped."""
    candidates: Dict[str, List[Tuple[Any, str]]] = {}
    notes = []
    for node, name in named_nodes:
        phase = phase_of_description(name)
        if phase is None:
            notes.append(f"'{name}': no phase in its name")
        else:
            candidates.setdefault(phase, []).append((node, name))
    chosen = {}
    for phase in PHASES:
        found = candidates.get(phase, [])
        if len(found) == 1:
            chosen[phase] = found[0][0]
        elif found:
            notes.append(f"{phase}: {len(found)} volumes name it ({', '.join(repr(n) for _, n in found)}); choose one")
    return chosen, notes


def phase_warnings(diagnosis: Mapping[str, Any]) -> List[str]:
    """The Analyze diagnosis's phase-check warnings (a phase given under the wrong name, a failed injection, a scan that misses the kidneys or cuts them)."""
    return list(diagnosis.get("phaseCheck", {}).get("warnings", []))


def phases_as_they_look(nodes: Mapping[str, Any], diagnosis: Mapping[str, Any]) -> Dict[str, Any]:
    """{phase: volume} with every volume moved to the phase the phase check says it looks like (its
    looksLike: name given -> phase, set only when exactly one renaming fits); the same selection when none."""
    looks_like = diagnosis.get("phaseCheck", {}).get("looksLike", {})
    renamed = {looks_like.get(phase, phase): node for phase, node in nodes.items()}
    if sorted(renamed) != sorted(nodes):  # not a permutation of the phases analysed: a diagnosis of another study
        raise ValueError(f"the phase check's renaming {dict(looks_like)} does not fit the phases {sorted(nodes)}")
    return {phase: renamed[phase] for phase in PHASES if phase in renamed}


def verdict_text(diagnosis: Mapping[str, Any], warnings: Sequence[str]) -> str:
    """The verdict line, then one line per phase warning, for the module's verdict label."""
    return "\n".join([diagnosis.get("verdict") or "No lesion found", *(f"Warning: {w}" for w in warnings)])


def lesion_rows(diagnosis: Mapping[str, Any], subtypes: Sequence[str]) -> List[Dict[str, Any]]:
    """One row per lesion for the table: id, kind, volume (ml), diameter (mm), side, each subtype's
    probability, predicted subtype and malignancy probability (blank for cysts)."""
    rows = []
    for lesion in diagnosis.get("lesions", []):
        probabilities = lesion.get("subtypeProbabilities", {})
        is_tumour = lesion.get("label") == 2
        row = {"id": lesion.get("id"), "kind": "tumor" if is_tumour else "cyst",
               "volume_ml": round(lesion.get("volumeMl", 0.0), 2),
               "diameter_mm": round(lesion.get("largestDiameterMm", 0.0), 1), "side": lesion.get("side", "")}
        for name in subtypes:
            row[name] = round(probabilities[name], 3) if name in probabilities else None
        row["predicted"] = lesion.get("predictedSubtype", "")
        row["malignancy"] = round(lesion.get("malignancyProbability", 0.0), 3) if is_tumour else None
        rows.append(row)
    return rows


class RenalAnalysisCore:
    """The module's logic. One instance per module; one client (server URL + token) at a time."""

    def __init__(self, adapter: Adapter, client_factory: Callable[..., RenalClient] = RenalClient) -> None:
        self.adapter = adapter
        self._client_factory = client_factory
        self.client: Optional[RenalClient] = None
        self.server_info: Dict[str, Any] = {}

    def connect(self, url: str, token: Optional[str] = None, timeout: float = 10.0) -> Dict[str, Any]:
        """Worker or GUI thread: opens a client and asks ServerInfo (raises RenalError / ValueError)."""
        client = self._client_factory(url, token=token or None, timeout=timeout)
        try:
            info = client.server_info()
        except Exception:
            client.close()
            raise
        self.close()
        self.client, self.server_info = client, info
        return info

    def close(self) -> None:
        if self.client is not None:
            self.client.close()
            self.client = None

    def _require_client(self) -> RenalClient:
        if self.client is None:
            raise RuntimeError("not connected: test the connection to a server first")
        return self.client

    # --- GUI thread ---------------------------------------------------------------------------

    def read_phases(self, nodes: Mapping[str, Any]) -> Dict[str, tuple]:
        """{phase: volume node} -> {phase: (array (k, j, i), LPS Geometry)}; empty selectors are skipped."""
        phases = {}
        chosen: Dict[int, str] = {}
        for phase in PHASES:
            node = nodes.get(phase)
            if node is None:
                continue
            # One volume under two phases would reach the classifier as "no enhancement" between them.
            if id(node) in chosen:
                raise ValueError(f"the same volume is selected for phases {chosen[id(node)]} and {phase}: "
                                 "each phase needs its own scan")
            chosen[id(node)] = phase
            array = wire_volume(self.adapter.volume_array(node))
            phases[phase] = (array, geometry_from_ijk_to_ras(self.adapter.ijk_to_ras(node), array.shape))
        if not phases:
            raise ValueError("select at least one phase volume (N, A, P or D)")
        return phases

    def show_result(self, session: Session, name: str) -> Any:
        """Creates the Segmentation node (in the reference volume's grid, under the input study)."""
        if not np.allclose(ijk_to_ras_matrix(session.geometry), self.adapter.ijk_to_ras(session.reference_node),
                           atol=1e-3):
            raise ValueError("the reference volume's geometry changed since the upload: run Analyze again")
        session.segments = segment_specs(self.server_info)
        session.segmentation_node = self.adapter.create_segmentation(name, session.labels, session.reference_node,
                                                                     session.segments)
        return session.segmentation_node

    def edited_labels(self, session: Session) -> np.ndarray:
        """The user's current segments as one label map in the reference grid (the edit's new labels)."""
        return self.adapter.segmentation_labels(session.segmentation_node, session.reference_node, session.segments)

    # --- worker -------------------------------------------------------------------------------

    def analyze(self, phases: Mapping[str, tuple], nodes: Mapping[str, Any],
                progress: Optional[Callable[[str, float, str], None]] = None,
                cancel_event: Optional[threading.Event] = None) -> Session:
        """Uploads (skipped when the server has the study) and analyses; progress(stage, overall 0..1, text)."""
        client = self._require_client()
        report = progress or (lambda stage, fraction, text: None)
        upload = client.upload_study(
            phases, cancel_event=cancel_event,
            progress=lambda sent, total: report("UPLOAD", overall_fraction("UPLOAD", sent / max(total, 1)),
                                                f"uploading {sent / 1e6:.1f} / {total / 1e6:.1f} MB"))

        order = [p for p in PHASES if p in phases]
        shown = [0.0]  # the bar never moves back (stages and phases restart their own fractions)

        def on_progress(event: ProgressEvent) -> None:
            fraction = event.fraction
            if event.phase in order:  # a per-phase stage: each phase gets its share of the stage
                fraction = (order.index(event.phase) + fraction) / len(order)
            shown[0] = max(shown[0], overall_fraction(event.stage, fraction))
            where = f" ({event.phase})" if event.phase else ""
            text = event.message or event.stage.lower()
            report(event.stage, shown[0], f"{event.stage.lower()}{where}: {text}")

        result: AnalysisResult = client.analyze(upload.study_id, progress=on_progress, cancel_event=cancel_event)
        return Session(upload.study_id, result.reference_phase, result.revision, result.labels, result.geometry,
                       result.diagnosis, reference_node=nodes.get(result.reference_phase),
                       phase_warnings=phase_warnings(result.diagnosis),
                       phase_nodes={p: nodes[p] for p in PHASES if p in phases})

    def submit_edit(self, session: Session, new_labels: np.ndarray) -> EditResult:
        """Sends the changed voxels (box + runs, or the whole map) against the session's revision."""
        return self._require_client().submit_edit(session.study_id, session.revision, session.labels, new_labels)

    @staticmethod
    def apply_edit(session: Session, new_labels: np.ndarray, edit: EditResult) -> None:
        session.revision, session.labels, session.diagnosis = edit.revision, new_labels, edit.diagnosis
        if "phaseCheck" in edit.diagnosis:
            session.phase_warnings = phase_warnings(edit.diagnosis)
