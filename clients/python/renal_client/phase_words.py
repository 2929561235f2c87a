"""Which contrast phase a series description (or a Slicer volume name) names.

The same whole-word rule as the server side's DicomPhaseAssignment (`renal analyze --dicom-study`);
both are tested against tests/phase_descriptions.tsv. Only words decide: acquisition order and the
contrast-agent attribute vary too much between sites, and a wrong phase is worse than none, so a
description naming no phase or two gives None.
"""
from __future__ import annotations

import re
from typing import List, Optional

_PHASE_WORDS = (
    ("N", "NON CONTRAST|NONCONTRAST|NONCON|UNENHANCED|NON ENHANCED|NONENHANCED|PRE CONTRAST|PRECONTRAST|PRECON|PRE"
          "|PLAIN|NATIVE|NATIV|NECT|NCCT|NC|WITHOUT|WO"),
    ("A", "ARTERIAL|ARTERIELL|ART|CORTICOMEDULLARY|CORTICO MEDULLARY|CORTICAL|CMP"),
    ("P", "NEPHROGRAPHIC|NEPHRO|NEPH|PORTAL|VENOUS|PV|PVP|PARENCHYMAL|NP"),
    ("D", "DELAYED|DELAY|DEL|EXCRETORY|EXCRETION|EXCR|EXC|UROGRAPHIC|UROGRAM|URO|PYELOGRAPHIC|PYELO"),
)
_WORDS = [(phase, re.compile(rf"\b(?:{words})\b")) for phase, words in _PHASE_WORDS]
_PHASE_LETTER = re.compile(r"\b(?:IMAGING|PHASE) ([NAPD])\b")
_WITHOUT_SIGN = re.compile(r"\bW/O\b")
_CONTRAST_MINUS = re.compile(r"(?<![A-Z0-9])C-(?![A-Z0-9])")
_NOT_LETTER_OR_DIGIT = re.compile(r"[^A-Z0-9]+")


def _normalised_words(description: str) -> str:
    text = description.upper()
    text = _WITHOUT_SIGN.sub(" WITHOUT ", text)
    text = _CONTRAST_MINUS.sub(" NONCONTRAST ", text)
    return _NOT_LETTER_OR_DIGIT.sub(" ", text).strip()


def phases_named_by(description: str) -> List[str]:
    """The phases ("N", "A", "P", "D") whose words the description holds: none, one, or several."""
    text = _normalised_words(description)
    named = {phase for phase, words in _WORDS if words.search(text)}
    # This project's own names: imaging_N.nii.gz of the dataset layout (a Slicer volume "imaging_N"), "phase A".
    named.update(_PHASE_LETTER.findall(text))
    return [phase for phase in "NAPD" if phase in named]


def phase_of_description(description: str) -> Optional[str]:
    """The one phase a description names, else None ("ABDOMEN 5mm", "ARTERIAL / PORTAL")."""
    named = phases_named_by(description)
    return named[0] if len(named) == 1 else None
