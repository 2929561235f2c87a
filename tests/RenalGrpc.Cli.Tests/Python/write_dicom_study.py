"""Writes a phantom case as a DICOM study folder, the way a PACS export of a multi-phase CT looks.

usage: write_dicom_study.py CASE_DIR OUT_DIR [--describe P=TEXT ...] [--extra P=TEXT ...]
                            [--localizer] [--prefix TEXT] [--patient-id ID]
Each imaging_P.nii.gz of CASE_DIR becomes one CT series (one file per slice, stored value HU + 1024
with RescaleIntercept -1024) in one study, all files flat in OUT_DIR under opaque names. Series
descriptions default to the wording scanners use ("ABD W/O CONTRAST", "ARTERIAL", ...);
--describe replaces one, --extra adds a second series of phase P (another reconstruction of the
same images) with that description, --localizer adds a one-slice scout series, --prefix starts every file name and
series number anew (a second exam written into the same folder), --patient-id writes another
patient's PatientID (default PHANTOM). A JSON summary (series UID per
phase and per extra) goes to stdout.
"""
import argparse
import json
import os

import nibabel as nib
import numpy as np
from pydicom.dataset import FileDataset, FileMetaDataset
from pydicom.uid import ExplicitVRLittleEndian, generate_uid

CT_IMAGE = "1.2.840.10008.5.1.4.1.1.2"
DEFAULT_DESCRIPTIONS = {"N": "ABD W/O CONTRAST", "A": "ARTERIAL 2.5mm", "P": "NEPHROGRAPHIC 2.5mm", "D": "DELAYED 5 MIN"}
ACQUISITION_TIMES = {"N": "101500", "A": "102005", "P": "102045", "D": "102505"}
RAS_TO_LPS = np.diag([-1.0, -1.0, 1.0])


def pairs(values):
    result = {}
    for value in values or []:
        phase, _, text = value.partition("=")
        result[phase] = text
    return result


def write_series(out, name_prefix, image, description, number, phase, study_uid, slices=None,
                 patient_id="PHANTOM"):
    data = np.asarray(image.dataobj).astype(np.float32)
    affine = image.affine
    lps = RAS_TO_LPS @ affine[:3, :3]
    origin = RAS_TO_LPS @ affine[:3, 3]
    spacing = np.linalg.norm(lps, axis=0)
    row, col = lps[:, 0] / spacing[0], lps[:, 1] / spacing[1]
    series_uid = generate_uid()
    stored = np.clip(np.rint(data + 1024.0), 0, 65535).astype("<u2")
    ks = range(data.shape[2]) if slices is None else slices
    for n, k in enumerate(ks):
        meta = FileMetaDataset()
        meta.MediaStorageSOPClassUID = CT_IMAGE
        meta.MediaStorageSOPInstanceUID = generate_uid()
        meta.TransferSyntaxUID = ExplicitVRLittleEndian
        path = os.path.join(out, f"{name_prefix}{n:04d}")
        ds = FileDataset(path, {}, file_meta=meta, preamble=b"\0" * 128)
        ds.is_little_endian, ds.is_implicit_VR = True, False
        ds.SOPClassUID, ds.SOPInstanceUID = CT_IMAGE, meta.MediaStorageSOPInstanceUID
        ds.Modality = "CT"
        ds.ImageType = ["ORIGINAL", "PRIMARY", "LOCALIZER" if slices is not None else "AXIAL"]
        ds.StudyInstanceUID, ds.SeriesInstanceUID = study_uid, series_uid
        ds.SeriesDescription, ds.SeriesNumber, ds.InstanceNumber = description, number, n + 1
        ds.AcquisitionTime = ds.SeriesTime = ACQUISITION_TIMES.get(phase, "100000")
        if phase in "APD" and slices is None:
            ds.ContrastBolusAgent = "IOHEXOL 350"
        ds.PatientName, ds.PatientID = "Phantom^Synthetic", patient_id
        position = origin + lps[:, 2] * k
        ds.ImagePositionPatient = [float(f"{v:.6f}") for v in position]
        ds.ImageOrientationPatient = [float(f"{v:.8f}") for v in list(row) + list(col)]
        ds.PixelSpacing = [float(f"{spacing[1]:.6f}"), float(f"{spacing[0]:.6f}")]
        ds.SliceThickness = float(f"{spacing[2]:.6f}")
        ds.RescaleIntercept, ds.RescaleSlope = -1024.0, 1.0
        ds.SamplesPerPixel, ds.PhotometricInterpretation = 1, "MONOCHROME2"
        ds.Rows, ds.Columns = data.shape[1], data.shape[0]
        ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 16, 16, 15, 0
        ds.PixelData = np.ascontiguousarray(stored[:, :, k].T).tobytes()
        ds.save_as(path, write_like_original=False)
    return series_uid


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("case")
    parser.add_argument("out")
    parser.add_argument("--describe", action="append")
    parser.add_argument("--extra", action="append")
    parser.add_argument("--localizer", action="store_true")
    parser.add_argument("--prefix", default="IM")
    parser.add_argument("--patient-id", default="PHANTOM")
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)
    descriptions = {**DEFAULT_DESCRIPTIONS, **pairs(args.describe)}
    study_uid = generate_uid()
    summary = {"study": study_uid, "series": {}, "extra": {}}
    phases = [p for p in "NAPD" if os.path.exists(os.path.join(args.case, f"imaging_{p}.nii.gz"))]
    number = 2
    for phase in phases:
        image = nib.load(os.path.join(args.case, f"imaging_{phase}.nii.gz"))
        summary["series"][phase] = write_series(args.out, f"{args.prefix}{number:02d}", image, descriptions[phase], number, phase,
                                                study_uid, patient_id=args.patient_id)
        number += 1
    for phase, text in pairs(args.extra).items():
        image = nib.load(os.path.join(args.case, f"imaging_{phase}.nii.gz"))
        summary["extra"][phase] = write_series(args.out, f"{args.prefix}{number:02d}", image, text, number, phase, study_uid)
        number += 1
    if args.localizer:
        image = nib.load(os.path.join(args.case, f"imaging_{phases[0]}.nii.gz"))
        summary["localizer"] = write_series(args.out, f"{args.prefix}01", image, "SCOUT", 1, "N", study_uid, slices=[0])
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
