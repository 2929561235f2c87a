"""RenalAnalysis: kidney / tumour / cyst segmentation and per-lesion subtype diagnosis from a RenalGrpc server.

Thin module: the UI and MRML work live here, the Qt-free logic in RenalAnalysisLib/logic.py, the gRPC client
in renal_client (clients/python). Network work runs on a threading.Thread; a QTimer polls it from the GUI
thread, so Slicer stays responsive and MRML is only touched on the GUI thread.
"""
import os

import qt
import slicer
from slicer import vtkMRMLScalarVolumeNode
from slicer.parameterNodeWrapper import parameterNodeWrapper
from slicer.ScriptedLoadableModule import (ScriptedLoadableModule, ScriptedLoadableModuleLogic,
                                           ScriptedLoadableModuleTest, ScriptedLoadableModuleWidget)
from slicer.util import VTKObservationMixin

from RenalAnalysisLib.background_job import BackgroundJob
from RenalAnalysisLib.client_path import REQUIREMENTS, add_client_to_path, missing_requirements

DEFAULT_URL = "http://127.0.0.1:50051"
URL_HISTORY_KEY = "RenalAnalysis/ServerUrlHistory"
URL_HISTORY_LENGTH = 10
POLL_MILLISECONDS = 100


class RenalAnalysis(ScriptedLoadableModule):
    def __init__(self, parent):
        ScriptedLoadableModule.__init__(self, parent)
        self.parent.title = "Renal Analysis"
        self.parent.categories = ["Segmentation"]
        self.parent.dependencies = ["Segmentations", "SubjectHierarchy"]
        self.parent.contributors = ["RenalGrpc contributors"]
        self.parent.helpText = (
            "Segments kidneys, renal tumours and cysts on multi-phase CT (N, A, P, D; any subset) and diagnoses "
            "each lesion's histologic subtype (ccRCC, pRCC, chRCC, oncocytoma, AML) on a RenalGrpc server. "
            "Edit the result with the Segment Editor, then press 'Update diagnosis'. Research use only.")
        self.parent.acknowledgementText = (
            "Method after Uhm et al., npj Precision Oncology 5:54 (2021). The default model is trained on "
            "synthetic phantoms only.")


def ensure_requirements(ask=True):
    """Installs grpcio / protobuf / numpy with Slicer's pip on first use, after asking the user."""
    missing = missing_requirements()
    if missing:
        question = (f"Renal Analysis needs these Python packages: {', '.join(missing)}.\n"
                    "Install them now into Slicer's Python (pip)?")
        if ask and not slicer.util.confirmOkCancelDisplay(question, windowTitle="Renal Analysis"):
            raise RuntimeError(f"the Python packages {', '.join(missing)} are needed ({', '.join(REQUIREMENTS)})")
        with slicer.util.WaitCursor():
            slicer.util.pip_install(" ".join(missing))
    add_client_to_path()


@parameterNodeWrapper
class RenalAnalysisParameterNode:
    """The phase volumes chosen in the module (saved with the scene; the server URL and token are not)."""

    phaseN: vtkMRMLScalarVolumeNode
    phaseA: vtkMRMLScalarVolumeNode
    phaseP: vtkMRMLScalarVolumeNode
    phaseD: vtkMRMLScalarVolumeNode


class RenalAnalysisLogic(ScriptedLoadableModuleLogic):
    """Slicer-side logic: RenalAnalysisCore with the real Slicer adapter. The core is made on first use,
    after the requirements (grpcio) are installed, so the module loads without them."""

    def __init__(self):
        ScriptedLoadableModuleLogic.__init__(self)
        self._core = None

    def getParameterNode(self):
        return RenalAnalysisParameterNode(super().getParameterNode())

    @property
    def core(self):
        if self._core is None:
            from RenalAnalysisLib.logic import RenalAnalysisCore
            from RenalAnalysisLib.slicer_adapter import SlicerAdapter
            self._core = RenalAnalysisCore(SlicerAdapter())
        return self._core

    def close(self):
        if self._core is not None:
            self._core.close()


class RenalAnalysisWidget(ScriptedLoadableModuleWidget, VTKObservationMixin):
    def __init__(self, parent=None):
        ScriptedLoadableModuleWidget.__init__(self, parent)
        VTKObservationMixin.__init__(self)
        self.logic = None
        self._parameterNode = None
        self._parameterNodeGuiTag = None
        self.session = None
        self.job = None
        self._on_done = None
        self._pending_labels = None
        self.timer = qt.QTimer()
        self.timer.setInterval(POLL_MILLISECONDS)
        self.timer.connect("timeout()", self._poll)

    def setup(self):
        ScriptedLoadableModuleWidget.setup(self)
        ui_widget = slicer.util.loadUI(self.resourcePath("UI/RenalAnalysis.ui"))
        self.layout.addWidget(ui_widget)
        self.ui = slicer.util.childWidgetVariables(ui_widget)
        ui_widget.setMRMLScene(slicer.mrmlScene)
        history = qt.QSettings().value(URL_HISTORY_KEY) or [DEFAULT_URL]
        self.ui.serverUrlComboBox.addItems(list(history) if not isinstance(history, str) else [history])
        self.ui.testConnectionButton.connect("clicked(bool)", self.onTestConnection)
        self.ui.applyButton.connect("clicked(bool)", self.onApply)
        self.ui.updateDiagnosisButton.connect("clicked(bool)", self.onUpdateDiagnosis)
        self.ui.fillPhasesButton.connect("clicked(bool)", self.onFillPhases)
        self.ui.usePhasesAsTheyLookButton.connect("clicked(bool)", self.onUsePhasesAsTheyLook)
        for phase in "NAPD":
            getattr(self.ui, f"phase{phase}Selector").connect("currentNodeChanged(vtkMRMLNode*)", self._update_buttons)
        self.logic = RenalAnalysisLogic()
        self.addObserver(slicer.mrmlScene, slicer.mrmlScene.StartCloseEvent, self.onSceneStartClose)
        self.addObserver(slicer.mrmlScene, slicer.mrmlScene.EndCloseEvent, self.onSceneEndClose)
        self.initializeParameterNode()
        self._update_buttons()

    def cleanup(self):
        self.timer.stop()
        if self.job is not None:
            self.job.cancel_event.set()
        self.removeObservers()
        self.logic.close()

    def enter(self):
        self.initializeParameterNode()

    def exit(self):
        if self._parameterNode:
            self._parameterNode.disconnectGui(self._parameterNodeGuiTag)
            self._parameterNodeGuiTag = None

    def onSceneStartClose(self, caller, event):
        self.setParameterNode(None)
        self.session = None
        self._update_buttons()

    def onSceneEndClose(self, caller, event):
        if self.parent.isEntered:
            self.initializeParameterNode()

    def initializeParameterNode(self):
        self.setParameterNode(self.logic.getParameterNode())

    def setParameterNode(self, parameter_node):
        if self._parameterNode:
            self._parameterNode.disconnectGui(self._parameterNodeGuiTag)
        self._parameterNode = parameter_node
        if self._parameterNode:
            self._parameterNodeGuiTag = self._parameterNode.connectGui(self.ui)

    # --- helpers ------------------------------------------------------------------------------

    def _selected_nodes(self):
        nodes = {p: getattr(self.ui, f"phase{p}Selector").currentNode() for p in "NAPD"}
        return {p: n for p, n in nodes.items() if n is not None}

    def _update_buttons(self, *unused):
        busy = self.job is not None
        self.ui.applyButton.text = "Cancel" if busy else "Analyze"
        self.ui.applyButton.enabled = busy or bool(self._selected_nodes())
        self.ui.updateDiagnosisButton.enabled = not busy and self.session is not None
        looks_like = self.session.diagnosis.get("phaseCheck", {}).get("looksLike") if self.session else None
        self.ui.usePhasesAsTheyLookButton.enabled = not busy and bool(looks_like)
        self.ui.testConnectionButton.enabled = not busy

    def _remember_url(self, url):
        items = [url] + [self.ui.serverUrlComboBox.itemText(i) for i in range(self.ui.serverUrlComboBox.count)]
        history = list(dict.fromkeys(i for i in items if i))[:URL_HISTORY_LENGTH]
        qt.QSettings().setValue(URL_HISTORY_KEY, history)
        self.ui.serverUrlComboBox.clear()
        self.ui.serverUrlComboBox.addItems(history)

    def _connect(self):
        """Requirements, logic and a connection to the URL in the box (GUI thread; small call)."""
        ensure_requirements()
        url = self.ui.serverUrlComboBox.currentText.strip()
        info = self.logic.core.connect(url, self.ui.tokenLineEdit.text)
        self._remember_url(url)
        model = info["model"]
        state = "model loaded" if model["loaded"] else f"model not loaded: {model['status']}"
        self.ui.connectionStatusLabel.text = (f"Server {info['server_version']}, {model['name']} {model['version']} "
                                              f"({state}), {info['device']}")
        return info

    def _show_error(self, error):
        message = getattr(error, "message", None) or str(error)
        code = getattr(getattr(error, "code", None), "name", "")
        self.ui.statusLabel.text = f"{code}: {message}" if code else message
        slicer.util.errorDisplay(f"Renal Analysis: {self.ui.statusLabel.text}")

    def _start(self, work, on_done):
        self.job = BackgroundJob(work)
        self._on_done = on_done
        self.ui.progressBar.value = 0
        self._update_buttons()
        self.timer.start()

    def _poll(self):
        job = self.job
        while not job.messages.empty():
            fraction, text = job.messages.get_nowait()
            self.ui.progressBar.value = int(fraction * 1000)
            self.ui.statusLabel.text = text
        if not job.finished:
            return
        self.timer.stop()
        self.job = None
        self._update_buttons()
        if job.error is not None:
            self._show_error(job.error)
            return
        try:
            self._on_done(job.result)
        except Exception as error:  # noqa: BLE001
            self._show_error(error)

    # --- actions ------------------------------------------------------------------------------

    def onTestConnection(self):
        try:
            with slicer.util.tryWithErrorDisplay("Connection failed", waitCursor=True):
                self._connect()
        except Exception:  # noqa: BLE001 - already displayed
            self.ui.connectionStatusLabel.text = "Not connected"

    def onApply(self):
        if self.job is not None:  # the button reads "Cancel"
            self.job.cancel_event.set()
            self.ui.statusLabel.text = "Cancelling..."
            return
        try:
            self._connect()
            nodes = self._selected_nodes()
            phases = self.logic.core.read_phases(nodes)
        except Exception as error:  # noqa: BLE001
            self._show_error(error)
            return
        core = self.logic.core
        self._start(lambda job: core.analyze(phases, nodes, job.report, job.cancel_event), self._show_analysis)

    def _show_analysis(self, session):
        if self.session is not None and self.session.segmentation_node is not None:
            self.session.segmentation_node.SetDisplayVisibility(False)
        name = f"{session.reference_node.GetName()} renal segmentation"
        self.logic.core.show_result(session, name)
        self.logic.core.adapter.set_session_attributes(session.segmentation_node, session.study_id, session.revision)
        self.session = session
        self._show_diagnosis(session.diagnosis)
        self.ui.statusLabel.text = f"Analysed: study {session.study_id}, revision {session.revision}"
        self._update_buttons()

    def onFillPhases(self):
        from RenalAnalysisLib.logic import assign_phase_volumes
        volumes = [n for n in slicer.util.getNodesByClass("vtkMRMLScalarVolumeNode")
                   if not n.IsA("vtkMRMLLabelMapVolumeNode")]
        chosen, notes = assign_phase_volumes([(n, n.GetName()) for n in volumes])
        for phase, node in chosen.items():
            getattr(self.ui, f"phase{phase}Selector").setCurrentNode(node)
        filled = ", ".join(f"{p} = '{n.GetName()}'" for p, n in chosen.items()) or "no phase"
        self.ui.statusLabel.text = f"Filled from names: {filled}" + "".join(f"\n{note}" for note in notes)
        self._update_buttons()

    def onUsePhasesAsTheyLook(self):
        """Moves each analysed volume to the phase the phase check says it looks like; the user presses Analyze."""
        from RenalAnalysisLib.logic import phases_as_they_look
        try:
            renamed = phases_as_they_look(self.session.phase_nodes, self.session.diagnosis)
        except ValueError as error:
            self._show_error(error)
            return
        for phase in "NAPD":
            getattr(self.ui, f"phase{phase}Selector").setCurrentNode(renamed.get(phase))
        chosen = ", ".join(f"{p} = '{n.GetName()}'" for p, n in renamed.items())
        self.ui.statusLabel.text = f"Phases as the check reads them: {chosen}. Press Analyze to run them so."
        self._update_buttons()

    def onUpdateDiagnosis(self):
        session = self.session
        try:
            new_labels = self.logic.core.edited_labels(session)
        except Exception as error:  # noqa: BLE001
            self._show_error(error)
            return
        if (new_labels == session.labels).all():
            self.ui.statusLabel.text = "No changes to send: edit the segments with the Segment Editor first"
            return
        core = self.logic.core
        self._pending_labels = new_labels
        self._start(lambda job: core.submit_edit(session, new_labels), self._show_edit)
        self.ui.statusLabel.text = "Sending the edit..."

    def _show_edit(self, edit):
        self.logic.core.apply_edit(self.session, self._pending_labels, edit)
        self.logic.core.adapter.set_session_attributes(self.session.segmentation_node, self.session.study_id,
                                                       edit.revision)
        self._show_diagnosis(edit.diagnosis)
        box = edit.changed_region
        self.ui.progressBar.value = 1000
        self.ui.statusLabel.text = (f"Revision {edit.revision}: {box.voxel_count} voxels in the changed box "
                                    f"({box.size_i}x{box.size_j}x{box.size_k})")

    def _show_diagnosis(self, diagnosis):
        from RenalAnalysisLib.logic import lesion_rows, verdict_text
        subtypes = self.logic.core.server_info.get("subtypes", [])
        rows = lesion_rows(diagnosis, subtypes)
        headers = ["Lesion", "Kind", "Volume (ml)", "Diameter (mm)", "Side", *subtypes, "Predicted", "Malignancy"]
        keys = ["id", "kind", "volume_ml", "diameter_mm", "side", *subtypes, "predicted", "malignancy"]
        table = self.ui.lesionTable
        table.clear()
        table.setColumnCount(len(headers))
        table.setHorizontalHeaderLabels(headers)
        table.setRowCount(len(rows))
        for r, row in enumerate(rows):
            for c, key in enumerate(keys):
                value = row[key]
                table.setItem(r, c, qt.QTableWidgetItem("" if value is None else str(value)))
        table.resizeColumnsToContents()
        self.ui.verdictLabel.text = verdict_text(diagnosis, self.session.phase_warnings if self.session else [])


class RenalAnalysisTest(ScriptedLoadableModuleTest):
    """Inside Slicer against a loopback server with the default model (RENAL_SERVER_URL, default
    http://127.0.0.1:50051): builds a phantom study, runs Analyze through the widget, checks the segments
    and the lesion table, then paints a lesion and runs Update diagnosis."""

    def setUp(self):
        slicer.mrmlScene.Clear()

    def runTest(self):
        self.setUp()
        self.test_analyze_and_update_diagnosis()

    def _wait(self, widget, seconds=900):
        import time
        deadline = time.monotonic() + seconds
        while widget.job is not None:
            self.assertLess(time.monotonic(), deadline, "the analysis did not finish in time")
            slicer.app.processEvents()
            time.sleep(0.05)
        slicer.app.processEvents()

    def test_analyze_and_update_diagnosis(self):
        import numpy as np
        ensure_requirements(ask=False)
        import sys
        tests = os.path.join(os.path.dirname(__file__), os.pardir, os.pardir, "tests", "python")
        sys.path.insert(0, os.path.abspath(tests))
        import phantom  # the pytest phantom of the repository checkout
        from renal_client import ijk_to_ras_matrix

        phases, _ = phantom.make_study()
        hierarchy = slicer.mrmlScene.GetSubjectHierarchyNode()
        study = hierarchy.CreateStudyItem(hierarchy.CreatePatientItem(hierarchy.GetSceneItemID(), "Phantom"), "CT")
        widget = slicer.modules.renalanalysis.widgetRepresentation().self()
        # Named as Slicer names DICOM series, so that "Fill phases from volume names" chooses them.
        series_names = {"N": "2: ABD W/O CONTRAST", "A": "3: ARTERIAL 2.5mm", "P": "4: NEPHROGRAPHIC 2.5mm", "D": "5: DELAYED"}
        added = {}
        for name, (array, geometry) in phases.items():
            matrix = slicer.util.vtkMatrixFromArray(ijk_to_ras_matrix(geometry.with_size_of(array)))
            node = slicer.util.addVolumeFromArray(array, ijkToRAS=matrix, name=series_names[name])
            hierarchy.SetItemParent(hierarchy.GetItemByDataNode(node), study)
            added[name] = node
        widget.onFillPhases()
        for name, node in added.items():
            self.assertIs(getattr(widget.ui, f"phase{name}Selector").currentNode(), node, widget.ui.statusLabel.text)
        widget.ui.serverUrlComboBox.setEditText(os.environ.get("RENAL_SERVER_URL", DEFAULT_URL))
        widget.onApply()
        self._wait(widget)
        session = widget.session
        self.assertIsNotNone(session, widget.ui.statusLabel.text)
        segmentation = session.segmentation_node.GetSegmentation()
        names = [segmentation.GetNthSegment(n).GetName() for n in range(segmentation.GetNumberOfSegments())]
        self.assertEqual(names, ["kidney", "tumor", "cyst"])
        kidney = slicer.util.arrayFromSegmentBinaryLabelmap(session.segmentation_node,
                                                            segmentation.GetSegmentIdBySegmentName("kidney"),
                                                            session.reference_node)
        self.assertGreater(int(kidney.sum()), 1000)
        self.assertEqual(hierarchy.GetItemParent(hierarchy.GetItemByDataNode(session.segmentation_node)), study)
        self.assertTrue(widget.ui.verdictLabel.text)
        self.assertEqual(widget.ui.lesionTable.rowCount, len(session.diagnosis["lesions"]))

        # Paint a tumour into the right kidney's lower pole, as the Segment Editor would, and update.
        tumor_id = segmentation.GetSegmentIdBySegmentName("tumor")
        tumor = slicer.util.arrayFromSegmentBinaryLabelmap(session.segmentation_node, tumor_id, session.reference_node)
        tumor = np.maximum(tumor, phantom.ball(session.geometry, (-76.0, 40.0, -30.0), 12.0).astype(tumor.dtype))
        slicer.util.updateSegmentBinaryLabelmapFromArray(tumor, session.segmentation_node, tumor_id,
                                                         session.reference_node)
        revision = session.revision
        widget.onUpdateDiagnosis()
        self._wait(widget)
        self.assertEqual(session.revision, revision + 1, widget.ui.statusLabel.text)
        self.assertEqual(widget.ui.lesionTable.rowCount, len(session.diagnosis["lesions"]))
        self.delayDisplay("Renal Analysis test passed")
