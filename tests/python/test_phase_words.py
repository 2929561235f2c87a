"""renal_client.phase_words against the table the server side's DicomPhaseAssignment is tested with, and
the Slicer module's use of it (phase selectors filled from volume names)."""
import pathlib
import sys

import pytest

from conftest import REPOSITORY_ROOT
from renal_client import phase_of_description, phases_named_by

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[2] / "slicer-module" / "RenalAnalysis"))
from RenalAnalysisLib.logic import assign_phase_volumes  # noqa: E402


def _table():
    rows = []
    for line in (REPOSITORY_ROOT / "tests" / "phase_descriptions.tsv").read_text().splitlines():
        if line.startswith("#"):
            continue
        description, phase = line.split("\t")
        rows.append((description, None if phase == "-" else phase))
    return rows


@pytest.mark.parametrize("description,phase", _table())
def test_a_description_names_the_phase_the_shared_table_gives(description, phase):
    assert phase_of_description(description) == phase


def test_two_phases_named_are_both_reported_and_none_chosen():
    assert phases_named_by("ARTERIAL / PORTAL") == ["A", "P"]
    assert phase_of_description("ARTERIAL / PORTAL") is None


def test_slicer_volume_names_fill_the_phases_they_name_and_leave_the_rest():
    nodes = [("n", "2: ABD W/O CONTRAST"), ("a", "3: ARTERIAL 2.5mm"), ("p1", "4: NEPHRO 5mm"),
             ("p2", "5: NEPHROGRAPHIC 1.25mm"), ("x", "6: CORONAL MPR"), ("d", "7: DELAYED 5 MIN")]
    chosen, notes = assign_phase_volumes(nodes)
    assert chosen == {"N": "n", "A": "a", "D": "d"}
    assert "'6: CORONAL MPR': no phase in its name" in notes
    assert any(note.startswith("P: 2 volumes name it") for note in notes)
