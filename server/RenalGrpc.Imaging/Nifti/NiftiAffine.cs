namespace RenalGrpc.Imaging.Nifti;

/// <summary>Which header fields gave the voxel-to-world mapping.</summary>
public enum NiftiAffineSource
{
    /// <summary>srow_x/y/z (sform_code &gt; 0).</summary>
    SForm,
    /// <summary>quaternion + qoffset + pixdim (qform_code &gt; 0).</summary>
    QForm,
    /// <summary>Neither code set: the spec's "method 1", voxel sizes only, origin at 0.</summary>
    PixDimOnly,
}

/// <summary>
/// The voxel-to-world mapping of a NIfTI header and its conversion to our LPS <see cref="Geometry"/>.
/// NIfTI affines map (i,j,k) to RAS millimetres; ours map to LPS, so the first two rows change sign.
/// </summary>
public static class NiftiAffine
{
    /// <summary>
    /// Largest |cos| between two axes of an sform that we still treat as perpendicular. Float32
    /// srows of a rigid grid are perpendicular to ~1e-7; 1e-3 (0.06 degrees) matches the tolerance of
    /// <see cref="Geometry.Validate"/> and leaves room for tools that round their affines.
    /// </summary>
    public const double ShearTolerance = 1e-3;

    /// <summary>
    /// Geometry of the grid the header describes. Precedence as in the spec and nibabel: sform when
    /// sform_code &gt; 0, else qform when qform_code &gt; 0, else pixdim only. An sform with real shear
    /// (non-perpendicular axes) cannot be a <see cref="Geometry"/>; we then use the qform, which
    /// is rigid by construction, when there is one, and otherwise refuse the file rather than
    /// silently moving voxels (a resampling step has to fix such files).
    /// </summary>
    public static Geometry ToGeometry(NiftiHeader header, GridSize size, string path)
    {
        var source = header.SFormCode > 0 ? NiftiAffineSource.SForm
            : header.QFormCode > 0 ? NiftiAffineSource.QForm
            : NiftiAffineSource.PixDimOnly;
        var (linear, offset) = RasAffine(header, source, path);
        var lps = FromRas(linear, offset, header.MillimetresPerUnit, size, path);
        if (lps.Shear <= ShearTolerance) return lps.Geometry;
        if (source == NiftiAffineSource.SForm && header.QFormCode > 0)
        {
            var (qLinear, qOffset) = RasAffine(header, NiftiAffineSource.QForm, path);
            return FromRas(qLinear, qOffset, header.MillimetresPerUnit, size, path).Geometry;
        }
        double degrees = Math.Acos(Math.Min(1, lps.Shear)) * 180 / Math.PI;
        throw new ImageFormatException(path,
            FormattableString.Invariant($"the {source} affine is sheared (two axes are {degrees:F2} degrees apart, not 90) and there is no qform to fall back on; resample the image onto a rigid grid first"));
    }

    /// <summary>The 3x4 RAS affine (linear part and offset, in the file's spatial units) from the chosen fields.</summary>
    public static (Matrix3 Linear, Vec3 Offset) RasAffine(NiftiHeader h, NiftiAffineSource source, string path)
    {
        switch (source)
        {
            case NiftiAffineSource.SForm:
                var s = h.SRow;
                return (new Matrix3(s[0], s[1], s[2], s[4], s[5], s[6], s[8], s[9], s[10]), new Vec3(s[3], s[7], s[11]));
            case NiftiAffineSource.QForm:
                var (dx, dy, dz) = VoxelSizes(h, path);
                double qfac = h.PixDim[0] < 0 ? -1 : 1;
                var r = QuaternionToRotation(h.Quaternion.B, h.Quaternion.C, h.Quaternion.D);
                return (Matrix3.FromColumns(r.Column(0) * dx, r.Column(1) * dy, r.Column(2) * (dz * qfac)), h.QOffset);
            default:
                var (px, py, pz) = VoxelSizes(h, path);
                return (new Matrix3(px, 0, 0, 0, py, 0, 0, 0, pz), Vec3.Zero);
        }
    }

    private static (double, double, double) VoxelSizes(NiftiHeader h, string path)
    {
        for (int a = 1; a <= 3; a++)
        {
            double v = h.PixDim[a];
            if (!double.IsFinite(v) || v <= 0)
                throw new ImageFormatException(path,
                    FormattableString.Invariant($"pixdim[{a}] = {v} is not a usable voxel size (must be finite and positive)"));
        }
        return (h.PixDim[1], h.PixDim[2], h.PixDim[3]);
    }

    /// <summary>Splits a RAS affine into LPS spacing, direction and origin; Shear is the largest |cos| between axes.</summary>
    private static (Geometry Geometry, double Shear) FromRas(Matrix3 ras, Vec3 rasOffset, double mmPerUnit, GridSize size, string path)
    {
        var columns = new Vec3[3];
        var spacing = new double[3];
        for (int a = 0; a < 3; a++)
        {
            var c = ras.Column(a);
            var lps = new Vec3(-c.X, -c.Y, c.Z) * mmPerUnit;
            spacing[a] = lps.Length;
            if (!double.IsFinite(spacing[a]) || spacing[a] == 0)
                throw new ImageFormatException(path,
                    FormattableString.Invariant($"the affine gives axis {"ijk"[a]} a voxel size of {spacing[a]} mm (must be finite and non-zero)"));
            columns[a] = lps * (1.0 / spacing[a]);
        }
        var origin = new Vec3(-rasOffset.X, -rasOffset.Y, rasOffset.Z) * mmPerUnit;
        if (!origin.IsFinite) throw new ImageFormatException(path, $"the affine offset {origin} is not finite");
        double shear = Math.Max(Math.Abs(columns[0].Dot(columns[1])),
            Math.Max(Math.Abs(columns[0].Dot(columns[2])), Math.Abs(columns[1].Dot(columns[2]))));
        var direction = Matrix3.FromColumns(columns[0], columns[1], columns[2]);
        if (shear <= ShearTolerance) direction = NearestOrthonormal(direction);
        var geometry = new Geometry(size, new Vec3(spacing[0], spacing[1], spacing[2]), origin, direction);
        if (shear <= ShearTolerance)
        {
            try { geometry.Validate(); }
            catch (InvalidGeometryException e) { throw new ImageFormatException(path, e.Message, e); }
        }
        return (geometry, shear);
    }

    /// <summary>
    /// The orthonormal matrix nearest to m (the rotation factor of its polar decomposition), by the
    /// Newton iteration X = (X + X^-T) / 2, which needs no SVD, keeps the handedness and converges
    /// quadratically from an almost orthonormal start. Removes float32 rounding from stored axes so
    /// that directions are exactly perpendicular.
    /// </summary>
    public static Matrix3 NearestOrthonormal(Matrix3 m)
    {
        var x = m;
        for (int iteration = 0; iteration < 30; iteration++)
        {
            var inverseTranspose = x.Inverse().Transpose();
            var next = Scale(Add(x, inverseTranspose), 0.5);
            bool done = next.ApproximatelyEquals(x, 1e-15);
            x = next;
            if (done) break;
        }
        return x;
    }

    /// <summary>Rotation matrix of the unit quaternion (a, b, c, d) with a = sqrt(1 - b² - c² - d²), as in nifti1.h.</summary>
    public static Matrix3 QuaternionToRotation(double b, double c, double d)
    {
        double a = 1.0 - (b * b + c * c + d * d);
        if (a < 1e-7)
        {
            // A 180-degree rotation (or a slightly non-unit b,c,d from float rounding): renormalise, a = 0.
            double norm = Math.Sqrt(b * b + c * c + d * d);
            if (norm > 0) { b /= norm; c /= norm; d /= norm; }
            a = 0;
        }
        else
        {
            a = Math.Sqrt(a);
        }
        return new Matrix3(
            a * a + b * b - c * c - d * d, 2 * (b * c - a * d), 2 * (b * d + a * c),
            2 * (b * c + a * d), a * a + c * c - b * b - d * d, 2 * (c * d - a * b),
            2 * (b * d - a * c), 2 * (c * d + a * b), a * a + d * d - c * c - b * b);
    }

    /// <summary>
    /// Quaternion (b, c, d) and qfac of an orthonormal RAS direction matrix. A left-handed matrix is
    /// stored as qfac = -1 with the third axis flipped, which is the only way a qform can hold it.
    /// </summary>
    public static (double B, double C, double D, double QFac) RotationToQuaternion(Matrix3 direction)
    {
        double qfac = direction.Determinant < 0 ? -1 : 1;
        var r = Matrix3.FromColumns(direction.Column(0), direction.Column(1), direction.Column(2) * qfac);
        double a, b, c, d;
        double trace = r[0, 0] + r[1, 1] + r[2, 2] + 1;
        if (trace > 0.5)
        {
            a = 0.5 * Math.Sqrt(trace);
            b = 0.25 * (r[2, 1] - r[1, 2]) / a;
            c = 0.25 * (r[0, 2] - r[2, 0]) / a;
            d = 0.25 * (r[1, 0] - r[0, 1]) / a;
        }
        else
        {
            double xd = 1 + r[0, 0] - (r[1, 1] + r[2, 2]);
            double yd = 1 + r[1, 1] - (r[0, 0] + r[2, 2]);
            double zd = 1 + r[2, 2] - (r[0, 0] + r[1, 1]);
            if (xd > 1)
            {
                b = 0.5 * Math.Sqrt(xd);
                c = 0.25 * (r[0, 1] + r[1, 0]) / b;
                d = 0.25 * (r[0, 2] + r[2, 0]) / b;
                a = 0.25 * (r[2, 1] - r[1, 2]) / b;
            }
            else if (yd > 1)
            {
                c = 0.5 * Math.Sqrt(yd);
                b = 0.25 * (r[0, 1] + r[1, 0]) / c;
                d = 0.25 * (r[1, 2] + r[2, 1]) / c;
                a = 0.25 * (r[0, 2] - r[2, 0]) / c;
            }
            else
            {
                d = 0.5 * Math.Sqrt(zd);
                b = 0.25 * (r[0, 2] + r[2, 0]) / d;
                c = 0.25 * (r[1, 2] + r[2, 1]) / d;
                a = 0.25 * (r[1, 0] - r[0, 1]) / d;
            }
            // q and -q are the same rotation; the file stores only b, c, d and implies a >= 0.
            if (a < 0) { b = -b; c = -c; d = -d; }
        }
        return (b, c, d, qfac);
    }

    /// <summary>LPS geometry to the RAS linear part and offset written into a file.</summary>
    public static (Matrix3 Linear, Vec3 Offset) ToRas(Geometry geometry)
    {
        var m = geometry.IndexToPhysicalMatrix;
        var ras = new Matrix3(-m[0, 0], -m[0, 1], -m[0, 2], -m[1, 0], -m[1, 1], -m[1, 2], m[2, 0], m[2, 1], m[2, 2]);
        return (ras, new Vec3(-geometry.Origin.X, -geometry.Origin.Y, geometry.Origin.Z));
    }

    private static Matrix3 Add(Matrix3 x, Matrix3 y)
    {
        Span<double> v = stackalloc double[9];
        for (int n = 0; n < 9; n++) v[n] = x[n / 3, n % 3] + y[n / 3, n % 3];
        return Matrix3.FromRowMajor(v);
    }

    private static Matrix3 Scale(Matrix3 x, double s)
    {
        Span<double> v = stackalloc double[9];
        for (int n = 0; n < 9; n++) v[n] = x[n / 3, n % 3] * s;
        return Matrix3.FromRowMajor(v);
    }
}
