"""The few Slicer calls the logic needs (imported only inside Slicer; pytest uses a fake with the same methods)."""
from __future__ import annotations

from typing import Any, Sequence

import numpy as np

STUDY_ATTRIBUTE = "RenalAnalysis.StudyId"
REVISION_ATTRIBUTE = "RenalAnalysis.Revision"


class SlicerAdapter:
    def __init__(self) -> None:
        import slicer  # noqa: F401  (fails loudly outside Slicer)
        import vtk  # noqa: F401

    def volume_array(self, node: Any) -> np.ndarray:
        import slicer
        return np.array(slicer.util.arrayFromVolume(node))  # copy: the worker must not see later edits

    def ijk_to_ras(self, node: Any) -> np.ndarray:
        import vtk
        matrix = vtk.vtkMatrix4x4()
        node.GetIJKToRASMatrix(matrix)
        return np.array([[matrix.GetElement(r, c) for c in range(4)] for r in range(4)])

    def create_segmentation(self, name: str, labels: np.ndarray, reference_node: Any, segments: Sequence[Any]) -> Any:
        """One segment per label value (name, colour, terminology), in the reference volume's grid, placed in
        the subject hierarchy under the reference volume's parent (the input study)."""
        import slicer
        node = slicer.mrmlScene.AddNewNodeByClass("vtkMRMLSegmentationNode", name)
        node.CreateDefaultDisplayNodes()
        node.SetReferenceImageGeometryParameterFromVolumeNode(reference_node)
        segmentation = node.GetSegmentation()
        for spec in segments:
            segment_id = segmentation.AddEmptySegment(spec.name, spec.name, list(spec.color))
            mask = (labels == spec.value).astype(np.uint8)
            if mask.any():
                slicer.util.updateSegmentBinaryLabelmapFromArray(mask, node, segment_id, reference_node)
            if spec.terminology:
                _set_terminology(segmentation.GetSegment(segment_id), spec.terminology)
        node.CreateClosedSurfaceRepresentation()
        hierarchy = slicer.mrmlScene.GetSubjectHierarchyNode()
        parent = hierarchy.GetItemParent(hierarchy.GetItemByDataNode(reference_node))
        hierarchy.SetItemParent(hierarchy.GetItemByDataNode(node), parent)
        return node

    def segmentation_labels(self, segmentation_node: Any, reference_node: Any, segments: Sequence[Any]) -> np.ndarray:
        """The segments painted into one label map in the reference grid (tumour painted last: KiTS23)."""
        import slicer
        from .logic import PAINT_ORDER
        shape = slicer.util.arrayFromVolume(reference_node).shape
        labels = np.zeros(shape, np.uint8)
        segmentation = segmentation_node.GetSegmentation()
        ordered = sorted(segments, key=lambda s: PAINT_ORDER.index(s.name) if s.name in PAINT_ORDER else -1)
        for spec in ordered:
            segment_id = segmentation.GetSegmentIdBySegmentName(spec.name)
            if not segment_id:
                continue  # the user deleted the segment: its voxels become background
            mask = slicer.util.arrayFromSegmentBinaryLabelmap(segmentation_node, segment_id, reference_node)
            labels[mask > 0] = spec.value
        return labels

    def set_session_attributes(self, node: Any, study_id: str, revision: int) -> None:
        node.SetAttribute(STUDY_ATTRIBUTE, study_id)
        node.SetAttribute(REVISION_ATTRIBUTE, str(revision))


def _set_terminology(segment: Any, terminology: str) -> None:
    # Slicer >= 5.7 has SetTerminology; older versions keep the entry in a tag.
    if hasattr(segment, "SetTerminology"):
        segment.SetTerminology(terminology)
    else:
        import slicer
        segment.SetTag(slicer.vtkSegment.GetTerminologyEntryTagName(), terminology)
