"""Reference timings for the "resample" benchmark (run by ResampleBenchmark.cs with /usr/bin/python3).

usage: resample_reference.py VOLUME.raw I J K SX SY SZ TARGET_SPACING OUT.raw [SIGMA_I SIGMA_J SIGMA_K]

VOLUME.raw: int16 voxels, i fastest (numpy shape (K, J, I)). Resamples it to TARGET_SPACING mm
isotropic on the grid VolumeResampler.ResampledGeometry builds (nnU-Net rule: m = round(n s / s'),
outer faces kept), the way a Python user would: compute every output voxel's source index, then
scipy.ndimage.map_coordinates(order=1). Coordinates go in slabs of k slices to bound memory; the
timing covers coordinates + interpolation. Writes the int16 result to OUT.raw and, as a second
reference, times scipy.ndimage.zoom(order=1, grid_mode=True) which needs no coordinates.
Then times scipy.ndimage.label on the mask volume > 150 HU with 6 and 26 connectivity, and the
per-component statistics (count, centre of mass, bounding slices, mean, sd) of the 26-connected labels.
With SIGMA_*: also times scipy.ndimage.gaussian_filter (float32, mode='nearest') with that sd per axis,
the anti-aliasing smoothing RenalGrpc applies before a fine scan is resampled to a coarser model grid.
Prints one JSON object.
"""
import json
import sys
import time

import numpy as np
from scipy import ndimage as nd


def main():
    path, I, J, K, sx, sy, sz, target, out_path = sys.argv[1:10]
    I, J, K = int(I), int(J), int(K)
    spacing = np.array([float(sx), float(sy), float(sz)])
    target = float(target)
    volume = np.fromfile(path, dtype='<i2').reshape(K, J, I)
    n = np.array([I, J, K])
    m = np.maximum(1, np.round(n * spacing / target)).astype(int)
    scale = n / m  # source voxels per target voxel, per axis (i, j, k)
    result = {}

    start = time.perf_counter()
    out = np.empty((m[2], m[1], m[0]), dtype=np.int16)
    slab = 32
    for k0 in range(0, m[2], slab):
        kk, jj, ii = np.meshgrid(np.arange(k0, min(k0 + slab, m[2])), np.arange(m[1]), np.arange(m[0]), indexing='ij')
        # Face-aligned: target centre o maps to source index (o + 0.5) * n / m - 0.5.
        coords = np.stack([(kk + 0.5) * scale[2] - 0.5, (jj + 0.5) * scale[1] - 0.5, (ii + 0.5) * scale[0] - 0.5])
        out[k0:k0 + slab] = nd.map_coordinates(volume, coords, order=1, mode='nearest')
    result['map_coordinates_ms'] = (time.perf_counter() - start) * 1000
    out.astype('<i2').tofile(out_path)

    start = time.perf_counter()
    zoomed = nd.zoom(volume, (m[2] / K, m[1] / J, m[0] / I), order=1, mode='nearest', grid_mode=True)
    result['zoom_ms'] = (time.perf_counter() - start) * 1000
    result['zoom_shape'] = list(zoomed.shape)
    del zoomed

    mask = volume > 150
    for name, rank in (('label6', 1), ('label26', 3)):
        start = time.perf_counter()
        labels, count = nd.label(mask, structure=nd.generate_binary_structure(3, rank))
        result[name + '_ms'] = (time.perf_counter() - start) * 1000
        result[name + '_count'] = int(count)

    # Per-component statistics a Python user would take (no diameter: scipy has none).
    index = np.arange(1, result['label26_count'] + 1)
    start = time.perf_counter()
    nd.sum_labels(np.ones_like(labels, dtype=np.int32), labels, index)
    nd.center_of_mass(mask, labels, index)
    nd.find_objects(labels)
    nd.mean(volume, labels, index)
    nd.standard_deviation(volume, labels, index)
    result['measure_ms'] = (time.perf_counter() - start) * 1000

    if len(sys.argv) > 12:
        sigma = [float(v) for v in sys.argv[10:13]]
        floats = volume.astype(np.float32)
        start = time.perf_counter()
        nd.gaussian_filter(floats, sigma=sigma[::-1], mode='nearest', output=floats)
        result['gaussian_ms'] = (time.perf_counter() - start) * 1000
    print(json.dumps(result))


if __name__ == '__main__':
    main()
