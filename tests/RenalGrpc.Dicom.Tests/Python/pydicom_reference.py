"""Reference pixel values for DICOM files, from pydicom (dcmtk decompresses what pydicom cannot).

usage: pydicom_reference.py OUTDIR FILE...
Writes OUTDIR/manifest.json: one entry per file with a status ("ok", "colour", "noimage",
"truncated", "undecodable", "unreadable"), and for "ok" the decoder used, the shape
(frames, rows, columns), the first frame's position, orientation and pixel spacing, and the
name of a raw little-endian float64 file holding the modality values (rescale applied) with
frames ordered along the slice normal, as a volume reader orders them.
"""
import json
import os
import subprocess
import sys
import tempfile
import warnings

import numpy as np
import pydicom
from pydicom.pixel_data_handlers.util import apply_modality_lut

warnings.simplefilter("ignore")

DCMTK_DECODERS = {
    "1.2.840.10008.1.2.4.50": "dcmdjpeg", "1.2.840.10008.1.2.4.51": "dcmdjpeg",
    "1.2.840.10008.1.2.4.57": "dcmdjpeg", "1.2.840.10008.1.2.4.70": "dcmdjpeg",
    "1.2.840.10008.1.2.4.80": "dcmdjpls", "1.2.840.10008.1.2.4.81": "dcmdjpls",
    "1.2.840.10008.1.2.5": "dcmdrle",
}


def decode(path, ds):
    try:
        return ds.pixel_array, "pydicom"
    except ValueError as e:
        if "length" in str(e) or "truncat" in str(e):
            raise TruncatedError(str(e))
        raise
    except Exception:
        tool = DCMTK_DECODERS.get(str(ds.file_meta.TransferSyntaxUID))
        if tool is None:
            raise
        with tempfile.TemporaryDirectory() as tmp:
            out = os.path.join(tmp, "plain.dcm")
            subprocess.run([tool, path, out], check=True, capture_output=True)
            return pydicom.dcmread(out).pixel_array, tool


class TruncatedError(Exception):
    pass


def frame_positions(ds, frames):
    iop = [float(v) for v in ds.ImageOrientationPatient] if "ImageOrientationPatient" in ds else None
    per_frame = ds.get("PerFrameFunctionalGroupsSequence")
    if per_frame is not None and len(per_frame) == frames:
        positions = []
        for item in per_frame:
            plane = item.get("PlanePositionSequence")
            if plane is None:
                return None, iop
            positions.append([float(v) for v in plane[0].ImagePositionPatient])
        shared = ds.get("SharedFunctionalGroupsSequence")
        if iop is None and shared is not None and "PlaneOrientationSequence" in shared[0]:
            iop = [float(v) for v in shared[0].PlaneOrientationSequence[0].ImageOrientationPatient]
        return np.array(positions), iop
    if "ImagePositionPatient" not in ds or iop is None:
        return None, iop
    first = np.array([float(v) for v in ds.ImagePositionPatient])
    normal = np.cross(iop[:3], iop[3:])
    offsets = ds.get("GridFrameOffsetVector")
    if offsets is not None and len(offsets) == frames:
        return np.array([first + normal * float(o) for o in offsets]), iop
    return np.array([first]) if frames == 1 else None, iop


def pixel_spacing(ds):
    if "PixelSpacing" in ds:
        return [float(v) for v in ds.PixelSpacing]
    for group in ("SharedFunctionalGroupsSequence", "PerFrameFunctionalGroupsSequence"):
        seq = ds.get(group)
        if seq is not None and "PixelMeasuresSequence" in seq[0]:
            return [float(v) for v in seq[0].PixelMeasuresSequence[0].PixelSpacing]
    return None


def reference(path, outdir, index):
    try:
        ds = pydicom.dcmread(path)
    except Exception as e:
        return {"status": "unreadable", "why": str(e)[:200]}
    if "PixelData" not in ds:
        return {"status": "noimage"}
    # GDCM (Debian's build keeps assertions) aborts the process on these, so readers refuse them.
    gdcm_unsafe = "FrameIncrementPointer" in ds and "NumberOfFrames" not in ds
    if int(ds.get("SamplesPerPixel", 1)) != 1:
        return {"status": "colour"}
    try:
        array, decoder = decode(path, ds)
    except TruncatedError as e:
        return {"status": "truncated", "why": str(e)[:200]}
    except Exception as e:
        return {"status": "undecodable", "why": f"{type(e).__name__}: {str(e)[:200]}"}
    frames = int(ds.get("NumberOfFrames", 1) or 1)
    array = array.reshape(frames, int(ds.Rows), int(ds.Columns))
    values = np.asarray(apply_modality_lut(array, ds), dtype=np.float64)
    positions, iop = frame_positions(ds, frames)
    order = list(range(frames))
    origin = None
    if positions is not None and iop is not None:
        normal = np.cross(iop[:3], iop[3:])
        order = sorted(range(frames), key=lambda f: float(positions[f] @ normal))
        origin = positions[order[0]].tolist()
    name = f"{index}.f64"
    values[order].astype("<f8").tofile(os.path.join(outdir, name))
    return {"status": "ok", "decoder": decoder, "shape": [frames, int(ds.Rows), int(ds.Columns)], "values": name,
            "origin": origin, "orientation": iop, "pixel_spacing": pixel_spacing(ds), "gdcm_unsafe": gdcm_unsafe}


def main():
    outdir = sys.argv[1]
    os.makedirs(outdir, exist_ok=True)
    manifest = {}
    for index, path in enumerate(sys.argv[2:]):
        manifest[path] = reference(path, outdir, index)
    with open(os.path.join(outdir, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=1)


if __name__ == "__main__":
    main()
