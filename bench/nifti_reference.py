"""nibabel's .nii.gz read and write speed on a given file, for bench/RenalGrpc.Bench NiftiBenchmark.

Usage: nifti_reference.py INPUT.nii.gz SCRATCH_DIR REPEATS
Prints one JSON object: best seconds for each operation and the uncompressed voxel bytes.
Read = nib.load + np.asanyarray(img.dataobj) (native int16, like our reader; get_fdata would add a
float64 conversion we do not do). Write = nib.save of an int16 image (nibabel's default gzip level 1).
"""
import json
import os
import sys
import time

import numpy as np
import nibabel as nib

path, scratch, repeats = sys.argv[1], sys.argv[2], int(sys.argv[3])


def best(fn):
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


holder = {}


def read():
    img = nib.load(path)
    holder['data'] = np.asanyarray(img.dataobj)
    holder['affine'] = img.affine


read_s = best(read)
data = holder['data']
out = os.path.join(scratch, 'nibabel_written.nii.gz')
image = nib.Nifti1Image(data, holder['affine'])
image.set_data_dtype(np.int16)
write_s = best(lambda: nib.save(image, out))
print(json.dumps({
    'read_s': read_s,
    'write_s': write_s,
    'bytes': int(data.nbytes),
    'dtype': str(data.dtype),
    'written_size': os.path.getsize(out),
    'written_path': out,
}))
