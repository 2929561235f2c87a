namespace RenalGrpc.Imaging;

/// <summary>
/// Where a voxel grid sits in patient space. LPS millimetres; Origin is the centre of voxel
/// (0,0,0); Direction's columns are the i, j, k axes as unit vectors in LPS. Physical point of
/// index (i,j,k) = Origin + Direction * diag(Spacing) * (i,j,k).
/// </summary>
public sealed record Geometry(GridSize Size, Vec3 Spacing, Vec3 Origin, Matrix3 Direction)
{
    /// <summary>Axis-aligned LPS grid with identity directions.</summary>
    public static Geometry Axial(GridSize size, Vec3 spacing, Vec3 origin) => new(size, spacing, origin, Matrix3.Identity);

    public long VoxelCount => Size.VoxelCount;

    /// <summary>Direction * diag(spacing): maps a continuous index to an LPS offset from Origin.</summary>
    public Matrix3 IndexToPhysicalMatrix => Matrix3.FromColumns(
        Direction.Column(0) * Spacing.X, Direction.Column(1) * Spacing.Y, Direction.Column(2) * Spacing.Z);

    public Vec3 IndexToPhysical(double i, double j, double k) => Origin + IndexToPhysicalMatrix * new Vec3(i, j, k);

    public Vec3 IndexToPhysical(Vec3 index) => IndexToPhysical(index.X, index.Y, index.Z);

    /// <summary>Continuous index of an LPS point (not rounded, may be outside the grid).</summary>
    public Vec3 PhysicalToIndex(Vec3 point) => IndexToPhysicalMatrix.Inverse() * (point - Origin);

    /// <summary>
    /// Axis-aligned LPS box that holds the whole grid, measured to the outer faces of the edge
    /// voxels (index -0.5 .. n-0.5), so that it covers the imaged extent, not only voxel centres.
    /// </summary>
    public (Vec3 Min, Vec3 Max) PhysicalBounds()
    {
        var min = new Vec3(double.MaxValue, double.MaxValue, double.MaxValue);
        var max = new Vec3(double.MinValue, double.MinValue, double.MinValue);
        for (int c = 0; c < 8; c++)
        {
            var p = IndexToPhysical(
                (c & 1) == 0 ? -0.5 : Size.I - 0.5,
                (c & 2) == 0 ? -0.5 : Size.J - 0.5,
                (c & 4) == 0 ? -0.5 : Size.K - 0.5);
            min = Vec3.Min(min, p);
            max = Vec3.Max(max, p);
        }
        return (min, max);
    }

    /// <summary>Volume of one voxel in millilitres.</summary>
    public double VoxelVolumeMl => Spacing.X * Spacing.Y * Spacing.Z / 1000.0;

    /// <summary>
    /// Three-letter orientation code naming, for the i, j and k axes, the LPS direction each
    /// axis points TOWARDS (ITK/DICOM convention: identity directions give "LPS"; a NIfTI-style
    /// RAS grid gives "RAS"). "oblique" when an axis is more than 1e-3 away from a patient axis.
    /// </summary>
    public string OrientationCode()
    {
        Span<char> code = stackalloc char[3];
        for (int axis = 0; axis < 3; axis++)
        {
            var d = Direction.Column(axis);
            int best = 0;
            for (int c = 1; c < 3; c++) if (Math.Abs(d[c]) > Math.Abs(d[best])) best = c;
            if (Math.Abs(Math.Abs(d[best]) - 1.0) > 1e-3) return "oblique";
            code[axis] = best switch
            {
                0 => d[best] > 0 ? 'L' : 'R',
                1 => d[best] > 0 ? 'P' : 'A',
                _ => d[best] > 0 ? 'S' : 'I',
            };
        }
        return new string(code);
    }

    /// <summary>Same size, and origin / spacing / directions equal within the tolerances.</summary>
    public bool IsSameGrid(Geometry other, double toleranceMm = 1e-3, double directionTolerance = 1e-5)
    {
        if (Size != other.Size) return false;
        if ((Origin - other.Origin).Length > toleranceMm) return false;
        for (int a = 0; a < 3; a++) if (Math.Abs(Spacing[a] - other.Spacing[a]) > toleranceMm) return false;
        return Direction.ApproximatelyEquals(other.Direction, directionTolerance);
    }

    /// <summary>Throws <see cref="InvalidGeometryException"/> unless the geometry is usable.</summary>
    public void Validate()
    {
        if (Size.I <= 0 || Size.J <= 0 || Size.K <= 0)
            throw new InvalidGeometryException($"size {Size} has a zero or negative dimension");
        for (int a = 0; a < 3; a++)
        {
            if (!double.IsFinite(Spacing[a]) || Spacing[a] <= 0)
                throw new InvalidGeometryException($"spacing {Spacing} must be finite and positive on every axis");
        }
        if (!Origin.IsFinite) throw new InvalidGeometryException($"origin {Origin} is not finite");
        if (!Direction.IsOrthonormal(1e-3))
            throw new InvalidGeometryException($"direction {Direction} is not orthonormal");
    }

    public override string ToString() =>
        $"size {Size}, spacing {Spacing} mm, origin {Origin} mm, orientation {OrientationCode()}";
}
