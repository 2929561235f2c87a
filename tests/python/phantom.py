"""A tiny synthetic multi-phase abdominal CT (LPS, DATASET.md's HU table) for the end-to-end Python tests.

The same anatomy the `renal phantom` generator draws, simplified: torso (fat, muscle wall), liver, spine,
aorta, two kidneys (cortex, medulla) and one ccRCC-like tumour on the patient's left kidney. All phases
share one grid; returns {phase: (int16 array (k, j, i), Geometry)} and the ground-truth labels.
"""
from __future__ import annotations

import numpy as np

from renal_client import Geometry

SHAPE_KJI = (40, 128, 128)
SPACING = (2.6, 2.6, 5.0)

# HU per phase N, A, P, D (shared/DATASET.md).
HU = {
    "fat": (-100, -100, -100, -100), "muscle": (50, 60, 70, 65), "soft": (30, 40, 60, 50),
    "liver": (55, 75, 110, 80), "bone": (400, 400, 400, 400), "aorta": (40, 300, 160, 100),
    "cortex": (35, 180, 170, 120), "medulla": (30, 80, 165, 110), "tumor": (33, 175, 140, 95),
}
PHASES = "NAPD"
TUMOR_CENTRE_LPS = (96.0, 40.0, 0.0)  # on the left kidney's lateral edge
TUMOR_RADIUS_MM = 20.0


def geometry() -> Geometry:
    size_i, size_j, size_k = SHAPE_KJI[2], SHAPE_KJI[1], SHAPE_KJI[0]
    origin = (-(size_i - 1) * SPACING[0] / 2, -(size_j - 1) * SPACING[1] / 2, -(size_k - 1) * SPACING[2] / 2)
    return Geometry(spacing=SPACING, origin=origin, size=(size_i, size_j, size_k))


def lps_grid(g: Geometry):
    k, j, i = np.meshgrid(*(np.arange(n, dtype=np.float32) for n in SHAPE_KJI), indexing="ij")
    return (g.origin[0] + i * g.spacing[0], g.origin[1] + j * g.spacing[1], g.origin[2] + k * g.spacing[2])


def ellipsoid(x, y, z, centre, semi):
    return ((x - centre[0]) / semi[0]) ** 2 + ((y - centre[1]) / semi[1]) ** 2 + ((z - centre[2]) / semi[2]) ** 2 <= 1


def make_study(seed: int = 7):
    g = geometry()
    x, y, z = lps_grid(g)
    tissue = np.full(SHAPE_KJI, -1, np.int8)  # -1 = air outside the body
    names = list(HU)
    paint = lambda mask, name: tissue.__setitem__(mask, names.index(name))  # noqa: E731
    body = (x / 150) ** 2 + (y / 110) ** 2 <= 1
    paint(body, "fat")
    paint((x / 128) ** 2 + (y / 90) ** 2 <= 1, "muscle")
    paint((x / 118) ** 2 + (y / 80) ** 2 <= 1, "soft")
    paint(ellipsoid(x, y, z, (-65, -15, 70), (80, 70, 90)), "liver")
    paint((x ** 2 + (y - 48) ** 2) <= 19 ** 2, "bone")
    paint(((x - 14) ** 2 + (y - 20) ** 2) <= 11 ** 2, "aorta")
    labels = np.zeros(SHAPE_KJI, np.uint8)
    for side_x in (-76.0, 76.0):
        centre, semi = (side_x, 40.0, 0.0), (27.0, 20.0, 54.0)
        kidney = ellipsoid(x, y, z, centre, semi)
        paint(kidney, "cortex")
        paint(ellipsoid(x, y, z, centre, (semi[0] - 8, semi[1] - 7, semi[2] - 10)), "medulla")
        labels[kidney] = 1
    tumor = ellipsoid(x, y, z, TUMOR_CENTRE_LPS, (TUMOR_RADIUS_MM,) * 3)
    paint(tumor, "tumor")
    labels[tumor] = 2
    rng = np.random.default_rng(seed)
    phases = {}
    for index, phase in enumerate(PHASES):
        lookup = np.array([HU[name][index] for name in names] + [-1000], np.float32)  # index -1 = air
        volume = lookup[tissue] + rng.normal(0, 10, SHAPE_KJI).astype(np.float32)
        phases[phase] = (np.round(volume).astype(np.int16), g)
    return phases, labels


def ball(g: Geometry, centre_lps, radius_mm: float) -> np.ndarray:
    x, y, z = lps_grid(g)
    return ellipsoid(x, y, z, centre_lps, (radius_mm,) * 3)
