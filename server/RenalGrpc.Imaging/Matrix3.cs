namespace RenalGrpc.Imaging;

/// <summary>
/// A 3x3 matrix stored row-major as M[row, col]. For a direction matrix the COLUMNS are the
/// i, j, k axes expressed in LPS, as in ITK and DICOM.
/// </summary>
public readonly struct Matrix3 : IEquatable<Matrix3>
{
    private readonly double[] _m; // 9 values, row-major

    public Matrix3(double m00, double m01, double m02, double m10, double m11, double m12, double m20, double m21, double m22)
    {
        _m = [m00, m01, m02, m10, m11, m12, m20, m21, m22];
    }

    public static Matrix3 Identity { get; } = new(1, 0, 0, 0, 1, 0, 0, 0, 1);

    /// <summary>Builds a matrix whose columns are the given vectors.</summary>
    public static Matrix3 FromColumns(Vec3 c0, Vec3 c1, Vec3 c2) =>
        new(c0.X, c1.X, c2.X, c0.Y, c1.Y, c2.Y, c0.Z, c1.Z, c2.Z);

    /// <summary>Builds a matrix from 9 row-major values.</summary>
    public static Matrix3 FromRowMajor(ReadOnlySpan<double> v)
    {
        if (v.Length != 9) throw new ArgumentException("a 3x3 matrix needs 9 values", nameof(v));
        return new(v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7], v[8]);
    }

    public double this[int row, int col] => (_m ?? Identity._m)[row * 3 + col];

    public Vec3 Column(int c) => new(this[0, c], this[1, c], this[2, c]);
    public Vec3 Row(int r) => new(this[r, 0], this[r, 1], this[r, 2]);

    public double[] ToRowMajorArray() => (double[])(_m ?? Identity._m).Clone();

    public static Vec3 operator *(Matrix3 a, Vec3 v) => new(a.Row(0).Dot(v), a.Row(1).Dot(v), a.Row(2).Dot(v));

    public static Matrix3 operator *(Matrix3 a, Matrix3 b)
    {
        Span<double> r = stackalloc double[9];
        for (int i = 0; i < 3; i++)
            for (int j = 0; j < 3; j++)
                r[i * 3 + j] = a[i, 0] * b[0, j] + a[i, 1] * b[1, j] + a[i, 2] * b[2, j];
        return FromRowMajor(r);
    }

    public Matrix3 Transpose() => new(this[0, 0], this[1, 0], this[2, 0], this[0, 1], this[1, 1], this[2, 1], this[0, 2], this[1, 2], this[2, 2]);

    public double Determinant =>
        this[0, 0] * (this[1, 1] * this[2, 2] - this[1, 2] * this[2, 1])
        - this[0, 1] * (this[1, 0] * this[2, 2] - this[1, 2] * this[2, 0])
        + this[0, 2] * (this[1, 0] * this[2, 1] - this[1, 1] * this[2, 0]);

    public Matrix3 Inverse()
    {
        double det = Determinant;
        if (Math.Abs(det) < 1e-300 || !double.IsFinite(det)) throw new InvalidOperationException("matrix is singular");
        double inv = 1.0 / det;
        return new(
            (this[1, 1] * this[2, 2] - this[1, 2] * this[2, 1]) * inv,
            (this[0, 2] * this[2, 1] - this[0, 1] * this[2, 2]) * inv,
            (this[0, 1] * this[1, 2] - this[0, 2] * this[1, 1]) * inv,
            (this[1, 2] * this[2, 0] - this[1, 0] * this[2, 2]) * inv,
            (this[0, 0] * this[2, 2] - this[0, 2] * this[2, 0]) * inv,
            (this[0, 2] * this[1, 0] - this[0, 0] * this[1, 2]) * inv,
            (this[1, 0] * this[2, 1] - this[1, 1] * this[2, 0]) * inv,
            (this[0, 1] * this[2, 0] - this[0, 0] * this[2, 1]) * inv,
            (this[0, 0] * this[1, 1] - this[0, 1] * this[1, 0]) * inv);
    }

    /// <summary>True when the columns are unit length and mutually perpendicular within tolerance.</summary>
    public bool IsOrthonormal(double tolerance = 1e-4)
    {
        var p = Transpose() * this;
        for (int i = 0; i < 3; i++)
            for (int j = 0; j < 3; j++)
                if (!double.IsFinite(p[i, j]) || Math.Abs(p[i, j] - (i == j ? 1 : 0)) > tolerance) return false;
        return true;
    }

    public bool ApproximatelyEquals(Matrix3 other, double tolerance)
    {
        for (int i = 0; i < 3; i++)
            for (int j = 0; j < 3; j++)
                if (Math.Abs(this[i, j] - other[i, j]) > tolerance) return false;
        return true;
    }

    public bool Equals(Matrix3 other)
    {
        for (int i = 0; i < 9; i++)
            if ((_m ?? Identity._m)[i] != (other._m ?? Identity._m)[i]) return false;
        return true;
    }

    public override bool Equals(object? obj) => obj is Matrix3 m && Equals(m);
    public override int GetHashCode() => HashCode.Combine(this[0, 0], this[1, 1], this[2, 2], this[0, 1]);
    public static bool operator ==(Matrix3 a, Matrix3 b) => a.Equals(b);
    public static bool operator !=(Matrix3 a, Matrix3 b) => !a.Equals(b);

    public override string ToString() => $"[{Row(0)}, {Row(1)}, {Row(2)}]";
}
