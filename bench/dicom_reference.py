"""Reference for the "dicom" benchmark: writes a CT series with pydicom, and times pydicom reading it.

usage: dicom_reference.py write FOLDER SLICES SIZE   writes SLICES files of SIZE x SIZE int16 (once)
       dicom_reference.py read FOLDER REPEATS        prints JSON: median seconds and a checksum
Reading is what a careful numpy user does: read every file, sort along the slice normal,
stack into one int16 array, apply the rescale in place (int16 when slope and intercept allow).
"""
import json
import os
import statistics
import sys
import time

import numpy as np
import pydicom
from pydicom.dataset import FileDataset, FileMetaDataset
from pydicom.uid import ExplicitVRLittleEndian, generate_uid


def write(folder, slices, size):
    marker = os.path.join(folder, ".complete")
    if os.path.exists(marker):
        return
    os.makedirs(folder, exist_ok=True)
    series = generate_uid()
    rng = np.random.default_rng(1)
    y, x = np.mgrid[0:size, 0:size]
    body = ((x - size / 2) / (size * 0.42)) ** 2 + ((y - size / 2) / (size * 0.33)) ** 2 <= 1
    for k in range(slices):
        noise = rng.normal(0, 12, (size, size))
        hu = np.where(body, 40 + noise, -1000 + noise / 4)
        stored = np.clip(hu + 1024, -2000, 4000).astype("<i2")
        meta = FileMetaDataset()
        meta.MediaStorageSOPClassUID = "1.2.840.10008.5.1.4.1.1.2"
        meta.MediaStorageSOPInstanceUID = generate_uid()
        meta.TransferSyntaxUID = ExplicitVRLittleEndian
        path = os.path.join(folder, f"slice{(k * 7919) % slices:04d}.dcm")  # names not in slice order
        ds = FileDataset(path, {}, file_meta=meta, preamble=b"\0" * 128)
        ds.is_little_endian, ds.is_implicit_VR = True, False
        ds.SOPClassUID, ds.SOPInstanceUID = meta.MediaStorageSOPClassUID, meta.MediaStorageSOPInstanceUID
        ds.Modality, ds.SeriesInstanceUID, ds.InstanceNumber = "CT", series, k + 1
        ds.ImagePositionPatient = [-250.0, -250.0, -400.0 + 1.5 * k]
        ds.ImageOrientationPatient = [1, 0, 0, 0, 1, 0]
        ds.PixelSpacing = [0.9765625, 0.9765625]
        ds.SliceThickness = 1.5
        ds.RescaleIntercept, ds.RescaleSlope = -1024, 1
        ds.SamplesPerPixel, ds.PhotometricInterpretation = 1, "MONOCHROME2"
        ds.Rows = ds.Columns = size
        ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 16, 16, 15, 1
        ds.PixelData = stored.tobytes()
        ds.save_as(path, write_like_original=False)
    open(marker, "w").close()


def read(folder):
    files = [os.path.join(folder, n) for n in os.listdir(folder) if n.endswith(".dcm")]
    datasets = [pydicom.dcmread(f) for f in files]
    iop = np.array(datasets[0].ImageOrientationPatient, dtype=np.float64)
    normal = np.cross(iop[:3], iop[3:])
    datasets.sort(key=lambda d: float(np.array(d.ImagePositionPatient, dtype=np.float64) @ normal))
    first = datasets[0]
    volume = np.empty((len(datasets), first.Rows, first.Columns), dtype=np.int16)
    for k, ds in enumerate(datasets):
        volume[k] = ds.pixel_array
    slope, intercept = float(first.RescaleSlope), float(first.RescaleIntercept)
    if slope == 1 and intercept == int(intercept):
        volume += np.int16(intercept)
        return volume
    return volume * slope + intercept


def main():
    if sys.argv[1] == "write":
        write(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]))
        return
    folder, repeats = sys.argv[2], int(sys.argv[3])
    read(folder)  # warm the page cache and imports, as the C# side does
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        volume = read(folder)
        times.append(time.perf_counter() - start)
    print(json.dumps({"median_s": statistics.median(times), "shape": list(volume.shape),
                      "checksum": int(volume.astype(np.int64).sum()), "first": int(volume[0, 0, 0]),
                      "center": int(volume[volume.shape[0] // 2, volume.shape[1] // 2, volume.shape[2] // 2])}))


if __name__ == "__main__":
    main()
