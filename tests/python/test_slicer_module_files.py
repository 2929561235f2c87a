"""What can be checked of the Slicer module without Slicer: the widget names it uses exist in its .ui file, every
Python file ships (CMakeLists), the module parses, and its background job runs work off the calling thread."""
import ast
import pathlib
import re
import sys
import threading
import xml.etree.ElementTree as ElementTree

MODULE = pathlib.Path(__file__).resolve().parents[2] / "slicer-module" / "RenalAnalysis"
sys.path.insert(0, str(MODULE))
from RenalAnalysisLib.background_job import BackgroundJob  # noqa: E402


def widget_names_used(source):
    """Every NAME in `self.ui.NAME` and `getattr(self.ui, f"phase{phase}Selector")` (the placeholder expanded over N, A, P, D)."""
    tree = ast.parse(source)
    names = {node.attr for node in ast.walk(tree)
             if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Attribute)
             and node.value.attr == "ui" and isinstance(node.value.value, ast.Name) and node.value.value.id == "self"}
    for template in re.findall(r'getattr\(\s*(?:self\.)?(?:widget\.)?ui,\s*f"([^"]+)"', source):
        names |= {re.sub(r"\{\w+\}", p, template) for p in "NAPD"}
    return names


def test_every_widget_the_module_uses_is_in_its_ui_file():
    source = (MODULE / "RenalAnalysis.py").read_text()
    declared = {w.get("name") for w in ElementTree.parse(MODULE / "Resources" / "UI" / "RenalAnalysis.ui").iter("widget")}
    used = widget_names_used(source)
    assert {"applyButton", "usePhasesAsTheyLookButton", "phaseNSelector", "phaseDSelector"} <= used
    assert used - declared == set()


def test_every_python_file_of_the_module_is_listed_for_the_build():
    listed = set(re.findall(r"\$\{MODULE_NAME\}(Lib/\w+\.py|\.py)", (MODULE / "CMakeLists.txt").read_text()))
    present = {"Lib/" + p.name for p in (MODULE / "RenalAnalysisLib").glob("*.py")} | {".py"}
    assert listed == present


def test_a_background_job_runs_off_the_calling_thread_and_keeps_its_result_progress_and_error():
    release = threading.Event()

    def work(job):
        job.report("UPLOAD", 0.5, "half")
        release.wait(10)
        return threading.current_thread().name

    job = BackgroundJob(work)
    assert not job.finished and not job.cancel_event.is_set()
    release.set()
    job._thread.join(10)
    assert job.finished and job.result == "RenalAnalysis" and job.error is None
    assert job.messages.get_nowait() == (0.5, "half")

    def failing(job):
        raise ValueError("bad phase")

    failed = BackgroundJob(failing)
    failed._thread.join(10)
    assert isinstance(failed.error, ValueError) and failed.result is None
