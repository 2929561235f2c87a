"""pydicom's view of a folder tree: image files per series, and one series stacked as a volume.

usage: series_tree_reference.py FOLDER SERIES_UID
Prints JSON: {"files_per_series": {uid: n}, "modality": {uid: m},
              "volume": {"origin": [...], "spacing_k": s, "values": [...] (k, j, i order)}}
"""
import json
import os
import sys
import warnings

import numpy as np
import pydicom
from pydicom.pixel_data_handlers.util import apply_modality_lut

warnings.simplefilter("ignore")
folder, uid = sys.argv[1], sys.argv[2]
files_per_series, modality, chosen = {}, {}, []
for root, _, names in os.walk(folder):
    for name in names:
        try:
            ds = pydicom.dcmread(os.path.join(root, name))
        except Exception:
            continue
        if "PixelData" not in ds:
            continue
        files_per_series[ds.SeriesInstanceUID] = files_per_series.get(ds.SeriesInstanceUID, 0) + 1
        modality[ds.SeriesInstanceUID] = ds.get("Modality", "")
        if ds.SeriesInstanceUID == uid:
            chosen.append(ds)
iop = np.array([float(v) for v in chosen[0].ImageOrientationPatient])
normal = np.cross(iop[:3], iop[3:])
chosen.sort(key=lambda d: float(np.array([float(v) for v in d.ImagePositionPatient]) @ normal))
along = [float(np.array([float(v) for v in d.ImagePositionPatient]) @ normal) for d in chosen]
volume = np.stack([apply_modality_lut(d.pixel_array, d) for d in chosen]).astype(np.float64)
print(json.dumps({
    "files_per_series": files_per_series,
    "modality": modality,
    "volume": {"origin": [float(v) for v in chosen[0].ImagePositionPatient],
               "spacing_k": (along[-1] - along[0]) / (len(along) - 1),
               "values": volume.ravel().tolist()},
}))
