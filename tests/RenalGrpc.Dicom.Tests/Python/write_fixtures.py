"""Writes the synthetic DICOM fixtures of the RenalGrpc DICOM tests with pydicom.

usage: write_fixtures.py OUTDIR
Each fixture is a folder under OUTDIR; a JSON summary (series UIDs and the like) goes to stdout.
Voxel values follow formulas the C# tests recompute, so no pixel data has to travel back.
"""
import json
import math
import os
import random
import subprocess
import sys

import numpy as np
from pydicom.dataset import Dataset, FileDataset, FileMetaDataset
from pydicom.sequence import Sequence
from pydicom.uid import ExplicitVRLittleEndian, generate_uid

CT_IMAGE = "1.2.840.10008.5.1.4.1.1.2"
ENHANCED_CT_IMAGE = "1.2.840.10008.5.1.4.1.1.2.1"
MR_IMAGE = "1.2.840.10008.5.1.4.1.1.4"


def rotation(z_degrees, x_degrees):
    """Columns are the i, j, k axes: rotate about z, then about x."""
    a, b = math.radians(z_degrees), math.radians(x_degrees)
    rz = np.array([[math.cos(a), -math.sin(a), 0], [math.sin(a), math.cos(a), 0], [0, 0, 1]])
    rx = np.array([[1, 0, 0], [0, math.cos(b), -math.sin(b)], [0, math.sin(b), math.cos(b)]])
    return rx @ rz


def pattern(cols, rows, k):
    """Stored values 0..4095 that differ along every axis (i fastest in the C# tests)."""
    i = np.arange(cols)[None, :]
    j = np.arange(rows)[:, None]
    return ((i * 7 + j * 13 + k * 101) % 4096).astype(np.uint16)


def new_dataset(path, sop_class, series_uid, modality):
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = sop_class
    meta.MediaStorageSOPInstanceUID = generate_uid()
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds = FileDataset(path, {}, file_meta=meta, preamble=b"\0" * 128)
    ds.is_little_endian = True
    ds.is_implicit_VR = False
    ds.SOPClassUID = sop_class
    ds.SOPInstanceUID = meta.MediaStorageSOPInstanceUID
    ds.Modality = modality
    ds.SeriesInstanceUID = series_uid
    ds.StudyInstanceUID = "1.2.826.0.1.3680043.8.498.1"
    ds.SeriesDescription = "synthetic " + modality
    ds.SeriesNumber = 1
    ds.PatientName = "Synthetic^Phantom"
    ds.SamplesPerPixel = 1
    ds.PhotometricInterpretation = "MONOCHROME2"
    return ds


def set_pixels(ds, array, bits_stored=12, signed=False):
    ds.Rows, ds.Columns = array.shape[-2], array.shape[-1]
    ds.BitsAllocated = 16
    ds.BitsStored = bits_stored
    ds.HighBit = bits_stored - 1
    ds.PixelRepresentation = 1 if signed else 0
    ds.PixelData = np.ascontiguousarray(array).astype("<u2" if not signed else "<i2").tobytes()


def ds_values(values):
    return [float(f"{v:.10f}") for v in values]


def write_slice(folder, name, series_uid, k, position, row, col, spacing_rc, array, intercept=-1024.0, slope=1.0,
                modality="CT", sop_class=CT_IMAGE, bits_stored=12):
    path = os.path.join(folder, name)
    ds = new_dataset(path, sop_class, series_uid, modality)
    ds.InstanceNumber = k + 1
    ds.ImagePositionPatient = ds_values(position)
    ds.ImageOrientationPatient = ds_values(list(row) + list(col))
    ds.PixelSpacing = ds_values(spacing_rc)
    ds.SliceThickness = 2.5
    ds.RescaleIntercept = intercept
    ds.RescaleSlope = slope
    set_pixels(ds, array, bits_stored)
    ds.save_as(path, write_like_original=False)
    return path


def oblique_series(out):
    """20 slices, 40 columns x 48 rows, rotated 15 deg about z then 25 deg about x, shuffled names."""
    folder = os.path.join(out, "oblique")
    os.makedirs(folder)
    r = rotation(15, 25)
    origin = np.array([-120.5, 80.25, 33.0])
    cols, rows, count = 40, 48, 20
    sx, sy, sz = 0.7, 0.8, 2.5
    uid = generate_uid()
    names = list(range(count))
    random.Random(7).shuffle(names)
    for k in range(count):
        position = origin + r[:, 2] * sz * k
        write_slice(folder, f"IMG{names[k]:04d}.dcm", uid, k, position, r[:, 0], r[:, 1], [sy, sx], pattern(cols, rows, k))
    return {"folder": folder, "uid": uid, "origin": origin.tolist(), "direction": r.tolist(),
            "spacing": [sx, sy, sz], "size": [cols, rows, count]}


def axial_series(out, name, count=8, cols=16, rows=12, step=2.0, modality="CT", skip=(), duplicate_of=None,
                 odd_orientation_at=None, odd_size_at=None, uid=None):
    folder = os.path.join(out, name)
    os.makedirs(folder, exist_ok=True)
    uid = uid or generate_uid()
    sop = CT_IMAGE if modality == "CT" else MR_IMAGE
    for k in range(count):
        if k in skip:
            continue
        at = duplicate_of if duplicate_of is not None and k == duplicate_of + 1 else k
        z = -50.0 + step * at
        row, col = [1, 0, 0], [0, 1, 0]
        if k == odd_orientation_at:
            row, col = [1, 0, 0], [0, 0, -1]
        shape = (rows + 2, cols) if k == odd_size_at else (rows, cols)
        array = pattern(shape[1], shape[0], k)
        write_slice(folder, f"{modality}{k:03d}.dcm", uid, k, [-10.0, -20.0, z], row, col, [0.9, 0.9], array,
                    modality=modality, sop_class=sop)
    return {"folder": folder, "uid": uid}


def enhanced_multiframe(out):
    """One Enhanced CT file: 12 frames stored in shuffled position order, per-frame PlanePositionSequence,
    shared orientation / pixel measures / rescale (slope 0.5, intercept -100: float output)."""
    folder = os.path.join(out, "multiframe")
    os.makedirs(folder)
    path = os.path.join(folder, "enhanced.dcm")
    ds = new_dataset(path, ENHANCED_CT_IMAGE, generate_uid(), "CT")
    cols, rows, count, step = 20, 18, 12, 3.0
    r = rotation(0, 90)  # coronal-like: rows along L, columns along -S ... any orthonormal frame works
    origin = np.array([5.0, -7.5, 12.25])
    order = list(range(count))
    random.Random(3).shuffle(order)  # frame f lies at slice order[f]
    shared = Dataset()
    orientation = Dataset()
    orientation.ImageOrientationPatient = ds_values(list(r[:, 0]) + list(r[:, 1]))
    measures = Dataset()
    measures.PixelSpacing = [1.25, 0.5]
    measures.SliceThickness = step
    transform = Dataset()
    transform.RescaleIntercept = -100.0
    transform.RescaleSlope = 0.5
    transform.RescaleType = "HU"
    shared.PlaneOrientationSequence = Sequence([orientation])
    shared.PixelMeasuresSequence = Sequence([measures])
    shared.PixelValueTransformationSequence = Sequence([transform])
    ds.SharedFunctionalGroupsSequence = Sequence([shared])
    per_frame = []
    frames = []
    for f in range(count):
        item = Dataset()
        plane = Dataset()
        plane.ImagePositionPatient = ds_values(origin + r[:, 2] * step * order[f])
        item.PlanePositionSequence = Sequence([plane])
        per_frame.append(item)
        frames.append(pattern(cols, rows, order[f]))
    ds.PerFrameFunctionalGroupsSequence = Sequence(per_frame)
    ds.NumberOfFrames = count
    set_pixels(ds, np.stack(frames))
    ds.save_as(path, write_like_original=False)
    return {"file": path, "origin": origin.tolist(), "direction": r.tolist(), "spacing": [0.5, 1.25, step],
            "size": [cols, rows, count]}


def signed12(out):
    """BitsStored 12, PixelRepresentation 1, negative values stored WITHOUT sign extension
    (upper four bits zero), odd size 37x29 so vector loops have tails."""
    folder = os.path.join(out, "signed12")
    os.makedirs(folder)
    path = os.path.join(folder, "signed12.dcm")
    cols, rows = 37, 29
    i = np.arange(cols)[None, :]
    j = np.arange(rows)[:, None]
    values = ((i * 113 + j * 57) % 4096) - 2048  # -2048 .. 2047
    stored = (values & 0x0FFF).astype(np.uint16)
    ds = new_dataset(path, CT_IMAGE, generate_uid(), "CT")
    ds.ImagePositionPatient = [0.0, 0.0, 0.0]
    ds.ImageOrientationPatient = [1, 0, 0, 0, 1, 0]
    ds.PixelSpacing = [1.0, 1.0]
    ds.RescaleIntercept = 0
    ds.RescaleSlope = 1
    set_pixels(ds, stored, bits_stored=12, signed=False)
    ds.PixelRepresentation = 1
    ds.save_as(path, write_like_original=False)
    # The same pixels JPEG-LS compressed by dcmtk: GDCM sign-extends native and RLE samples
    # itself, but not those its JPEG-LS (and JPEG 2000) decoders return.
    jpegls = os.path.join(out, "signed12_jpegls.dcm")
    subprocess.run(["dcmcjpls", path, jpegls], check=True, capture_output=True)
    return {"file": path, "file_jpegls": jpegls}


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    summary = {
        "oblique": oblique_series(out),
        "multiframe": enhanced_multiframe(out),
        "signed12": signed12(out),
        "gap": axial_series(out, "gap", skip={5}),
        "duplicate": axial_series(out, "duplicate", duplicate_of=3),
        "mixed_orientation": axial_series(out, "mixed_orientation", odd_orientation_at=4),
        "mixed_size": axial_series(out, "mixed_size", odd_size_at=2),
        "truncated": axial_series(out, "truncated", count=4),
        "two_series_ct": axial_series(out, "two_series", count=6, modality="CT"),
        "two_series_mr": axial_series(out, "two_series", count=9, modality="MR", step=3.0),
    }
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
