"""The Slicer module's Qt-free logic outside Slicer: a fake adapter stands in for the few Slicer calls."""
import pathlib
import sys

import grpc
import numpy as np
import pytest

import phantom
from renal_client import RenalError, ijk_to_ras_matrix

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[2] / "slicer-module" / "RenalAnalysis"))
from RenalAnalysisLib.logic import (RenalAnalysisCore, lesion_rows, overall_fraction, phase_warnings,  # noqa: E402
                                    phases_as_they_look, segment_specs, verdict_text,
                                    wire_volume)


class FakeVolumeNode:
    def __init__(self, name, array, ijk_to_ras):
        self.name, self.array, self.matrix = name, array, ijk_to_ras


class FakeSegmentationNode:
    def __init__(self, name, masks):
        self.name, self.masks = name, masks  # segment name -> uint8 mask (k, j, i)


class FakeAdapter:
    """What slicer_adapter.SlicerAdapter does, on plain objects: RAS matrices, per-segment masks."""

    def volume_array(self, node):
        return node.array.copy()

    def ijk_to_ras(self, node):
        return node.matrix

    def create_segmentation(self, name, labels, reference_node, segments):
        assert labels.shape == reference_node.array.shape
        return FakeSegmentationNode(name, {s.name: (labels == s.value).astype(np.uint8) for s in segments})

    def segmentation_labels(self, segmentation_node, reference_node, segments):
        labels = np.zeros(reference_node.array.shape, np.uint8)
        for spec in sorted(segments, key=lambda s: ("kidney", "cyst", "tumor").index(s.name)):
            labels[segmentation_node.masks[spec.name] > 0] = spec.value
        return labels


def scene_nodes(phases):
    # Slicer stores volumes in RAS: the nodes carry the IJK-to-RAS matrix made from the LPS geometry.
    return {name: FakeVolumeNode(f"phantom {name}", array, ijk_to_ras_matrix(geometry.with_size_of(array)))
            for name, (array, geometry) in phases.items()}


def test_label_table_becomes_segments_with_terminology(client):
    specs = segment_specs(client.server_info())
    assert [s.name for s in specs] == ["kidney", "tumor", "cyst"]
    assert specs[0].terminology.split("~")[1:3] == ["SCT^123037004^Anatomical Structure", "SCT^64033007^Kidney"]
    assert specs[1].terminology.split("~")[1] == "SCT^49755003^Morphologically Altered Structure"
    assert all(0 <= c <= 1 for s in specs for c in s.color)


def test_volumes_are_read_back_with_the_lps_geometry_they_were_shown_with():
    phases, _ = phantom.make_study()
    core = RenalAnalysisCore(FakeAdapter())
    read = core.read_phases(scene_nodes({"N": phases["N"], "P": phases["P"]}))
    assert sorted(read) == ["N", "P"]
    array, geometry = read["P"]
    assert np.array_equal(array, phases["P"][0]) and geometry == phases["P"][1].with_size_of(array)
    assert wire_volume(np.arange(8, dtype=np.int32).reshape(2, 2, 2)).dtype == np.int16
    assert wire_volume(np.linspace(0, 1, 8).reshape(2, 2, 2)).dtype == np.float32
    with pytest.raises(ValueError):
        core.read_phases({})
    nodes = scene_nodes({"N": phases["N"]})
    with pytest.raises(ValueError, match="the same volume is selected for phases N and A"):
        core.read_phases({"N": nodes["N"], "A": nodes["N"]})


def test_progress_and_rows_are_plain_data():
    assert overall_fraction("UPLOAD", 0) == 0 and overall_fraction("ENCODING", 1) == 1
    assert overall_fraction("SEGMENTATION", 0.5) < overall_fraction("ALIGNMENT", 0)
    # The engine's order: alignment, the kidney-ROI stage, classification; the bar never goes back.
    assert overall_fraction("ALIGNMENT", 1) <= overall_fraction("REFINEMENT", 0) < overall_fraction("REFINEMENT", 1) \
        <= overall_fraction("CLASSIFICATION", 0)
    diagnosis = {"lesions": [
        {"id": 1, "label": 2, "volumeMl": 33.51, "largestDiameterMm": 40.02, "side": "left",
         "subtypeProbabilities": {"ccRCC": 0.7, "pRCC": 0.1, "chRCC": 0.1, "oncocytoma": 0.05, "AML": 0.05},
         "predictedSubtype": "ccRCC", "malignancyProbability": 0.9},
        {"id": 2, "label": 3, "volumeMl": 2.0, "largestDiameterMm": 15.0, "side": "right", "subtypeProbabilities": {},
         "predictedSubtype": "", "malignancyProbability": 0.0}]}
    rows = lesion_rows(diagnosis, ["ccRCC", "pRCC", "chRCC", "oncocytoma", "AML"])
    assert rows[0]["kind"] == "tumor" and rows[0]["ccRCC"] == 0.7 and rows[0]["malignancy"] == 0.9
    assert rows[1]["kind"] == "cyst" and rows[1]["ccRCC"] is None and rows[1]["malignancy"] is None
    assert phase_warnings(diagnosis) == [] and verdict_text({}, []) == "No lesion found"
    checked = {"verdict": "left renal mass 4.0 cm", "phaseCheck": {"warnings": ["phase N: enhanced"]}}
    assert verdict_text(checked, phase_warnings(checked)) == "left renal mass 4.0 cm\nWarning: phase N: enhanced"


def test_phases_as_they_look_moves_each_volume_to_the_phase_the_check_names():
    nodes = {"N": "n", "A": "scan given as A", "P": "scan given as P", "D": "d"}
    diagnosis = {"phaseCheck": {"warnings": ["..."], "looksLike": {"A": "P", "P": "A"}}}
    assert phases_as_they_look(nodes, diagnosis) == {"N": "n", "A": "scan given as P", "P": "scan given as A", "D": "d"}
    assert list(phases_as_they_look(nodes, diagnosis)) == ["N", "A", "P", "D"]
    assert phases_as_they_look(nodes, {}) == nodes  # no phase check (servers before session 24 answered edits so)
    with pytest.raises(ValueError, match="does not fit the phases"):
        phases_as_they_look({"N": "n", "P": "p"}, {"phaseCheck": {"looksLike": {"N": "A"}}})


def test_logic_reports_swapped_phases_and_how_they_read(server_with_model):
    phases, _ = phantom.make_study()
    nodes = scene_nodes({"N": phases["P"], "P": phases["N"]})  # selectors swapped
    core = RenalAnalysisCore(FakeAdapter())
    core.connect(server_with_model.url, timeout=60)
    session = core.analyze(core.read_phases(nodes), nodes)
    assert session.diagnosis["phaseCheck"]["looksLike"] == {"N": "P", "P": "N"}, session.phase_warnings
    assert any(w.startswith("phase N: the kidneys' upper quartile reads") for w in session.phase_warnings)
    assert ("the phases read consistently if renamed: "
            "the scan given as N looks like P, the one given as P like N") in session.phase_warnings
    assert phases_as_they_look(session.phase_nodes, session.diagnosis) == {"N": nodes["P"], "P": nodes["N"]}
    core.close()


def test_logic_analyzes_shows_segments_and_updates_the_diagnosis(server_with_model):
    phases, _ = phantom.make_study()
    nodes = scene_nodes({"N": phases["N"], "P": phases["P"]})
    core = RenalAnalysisCore(FakeAdapter())
    core.connect(server_with_model.url, timeout=60)
    reports = []
    session = core.analyze(core.read_phases(nodes), nodes, progress=lambda *r: reports.append(r))
    assert session.reference_phase == "P" and session.reference_node is nodes["P"]
    # The phantom's phases enhance as named: the check ran (both phases measured, N aligned) and warns only that
    # two phases are fewer than the default classifier was trained on (when a tumour was found).
    assert sorted(session.diagnosis["phaseCheck"]["kidneyUpperQuartileHu"]) == ["N", "P"]
    assert list(session.diagnosis["phaseCheck"]["alignmentKidneyDice"]) == ["N"]
    tumours = [lesion for lesion in session.diagnosis["lesions"] if lesion["label"] == 2]
    assert len(session.phase_warnings) == (1 if tumours else 0), session.phase_warnings
    assert all("read from N and P only: the classifier was trained on lesions seen in 3 or more phases" in w
               for w in session.phase_warnings)
    assert session.phase_nodes == nodes and phases_as_they_look(session.phase_nodes, session.diagnosis) == nodes
    assert reports[0][0] == "UPLOAD" and reports[-1][1] == pytest.approx(1.0)
    assert all(a[1] <= b[1] + 1e-9 for a, b in zip(reports, reports[1:]))
    segmentation = core.show_result(session, "phantom renal segmentation")
    assert sorted(segmentation.masks) == ["cyst", "kidney", "tumor"]
    assert np.array_equal(core.edited_labels(session), session.labels)

    # The user paints a tumour in the Segment Editor, then presses Update diagnosis.
    segmentation.masks["tumor"][phantom.ball(session.geometry, (-76.0, 40.0, -30.0), 12.0)] = 1
    new_labels = core.edited_labels(session)
    try:
        edit = core.submit_edit(session, new_labels)
    except RenalError as error:
        if error.code == grpc.StatusCode.UNIMPLEMENTED:
            pytest.xfail("SubmitEdit is not implemented by this server yet (UNIMPLEMENTED)")
        raise
    core.apply_edit(session, new_labels, edit)
    assert session.revision == edit.revision and session.diagnosis is edit.diagnosis
    # The painted tumour is read from N and P too: the edit's answer says so (one sentence for all tumours so read).
    assert session.phase_warnings == phase_warnings(edit.diagnosis) and len(session.phase_warnings) == 1
    assert "read from N and P only" in session.phase_warnings[0]
    rows = lesion_rows(session.diagnosis, core.server_info["subtypes"])
    assert any(r["kind"] == "tumor" and r["side"] == "right" and r["predicted"] for r in rows)
    core.close()
