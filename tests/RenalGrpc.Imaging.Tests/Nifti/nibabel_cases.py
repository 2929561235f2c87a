# Writes NIfTI files with nibabel that exercise the reader's corner cases (run by NiftiNibabelCaseTests).
# Header fields nibabel recomputes on save (scl_slope/scl_inter, forms) are patched into the bytes afterwards.
import gzip, struct, sys
import numpy as np
import nibabel as nib

out = sys.argv[1]
rng = np.random.default_rng(7)
shape = (7, 6, 5)
hu = rng.integers(-1024, 3000, size=shape)


def oblique(left=False):
    a, b = 0.3, 0.2
    rz = np.array([[np.cos(a), -np.sin(a), 0], [np.sin(a), np.cos(a), 0], [0, 0, 1]])
    rx = np.array([[1, 0, 0], [0, np.cos(b), -np.sin(b)], [0, np.sin(b), np.cos(b)]])
    aff = np.eye(4)
    aff[:3, :3] = rz @ rx @ np.diag([0.7, 0.8, 2.5])
    aff[:3, 3] = [-120.5, 33.25, 80.0]
    if left:
        aff[:3, 2] *= -1
    return aff


def save(name, img):
    nib.save(img, f'{out}/{name}')


def patch(name, fmt, offset, *values):
    path = f'{out}/{name}'
    raw = gzip.open(path).read() if name.endswith('.gz') else open(path, 'rb').read()
    raw = bytearray(raw)
    struct.pack_into(fmt, raw, offset, *values)
    (gzip.open if name.endswith('.gz') else open)(path, 'wb').write(raw)


def nifti1(data, affine, dtype):
    img = nib.Nifti1Image(np.asarray(data), affine)
    img.set_data_dtype(dtype)
    img.header.set_slope_inter(1, 0)
    return img


# NIfTI-2, big-endian, oblique sform.
img = nib.Nifti2Image(hu.astype(np.int16), oblique(), nib.Nifti2Header(endianness='>'))
img.set_data_dtype('>i2')
save('be2_int16.nii', img)

# CT stored as uint16 with scl_inter = -1024: HU come back as int16.
save('ct_uint16_inter.nii.gz', nifti1((hu + 1024).astype(np.uint16), oblique(), np.uint16))
patch('ct_uint16_inter.nii.gz', '<ff', 112, 1.0, -1024.0)

# Fractional slope: float32.
save('int16_fraction.nii', nifti1(hu.astype(np.int16), oblique(), np.int16))
patch('int16_fraction.nii', '<ff', 112, 0.5, 10.25)

save('int32_small.nii', nifti1(hu.astype(np.int32), oblique(), np.int32))
save('int32_large.nii', nifti1((hu * 1000).astype(np.int32), oblique(), np.int32))
save('float64.nii', nifti1(rng.normal(size=shape) * 100, oblique(), np.float64))
save('int8.nii', nifti1(rng.integers(-128, 128, size=shape).astype(np.int8), oblique(), np.int8))
save('uint8_4d.nii.gz', nifti1(rng.integers(0, 256, size=shape + (3,)).astype(np.uint8), oblique(), np.uint8))

# qform only, left-handed (qfac = -1).
img = nifti1(hu.astype(np.int16), oblique(left=True), np.int16)
img.header.set_qform(oblique(left=True), code=1)
img.header.set_sform(None, code=0)
save('qform_left.nii', img)

# Neither form: nibabel falls back to its own centred, x-flipped "base affine"; we use the spec's method 1.
img = nifti1(hu.astype(np.int16), np.diag([1.5, 2.0, 3.0, 1.0]), np.int16)
img.header.set_qform(None, code=0)
img.header.set_sform(None, code=0)
save('noforms.nii', img)

# An extension moves vox_offset past 352.
img = nifti1(hu.astype(np.int16), oblique(), np.int16)
img.header.extensions.append(nib.nifti1.Nifti1Extension('comment', b'RenalGrpc test extension ' * 5))
save('extension.nii', img)

# Spatial unit metre: nibabel leaves the affine in metres, we convert to mm.
img = nifti1(hu.astype(np.int16), np.diag([0.0007, 0.0008, 0.0025, 1.0]), np.int16)
img.header.set_xyzt_units('meter', 'sec')
save('meters.nii', img)

# Sheared sform, with and without a rigid qform to fall back on.
sheared = oblique()
sheared[0, 1] += 0.3
img = nifti1(hu.astype(np.int16), sheared, np.int16)
img.header.set_qform(oblique(), code=1)
img.header.set_sform(sheared, code=2)
save('sheared_with_qform.nii', img)
img.header.set_qform(None, code=0)
save('sheared_no_qform.nii', img)

save('complex64.nii', nifti1(np.zeros(shape, np.complex64), oblique(), np.complex64))
rgb = np.zeros(shape, dtype=[('R', 'u1'), ('G', 'u1'), ('B', 'u1')])
save('rgb24.nii', nifti1(rgb, oblique(), rgb.dtype))
