namespace RenalGrpc.Imaging.Resampling;

/// <summary>
/// Per-axis range of continuous source indices that count as inside, plus the clamping bounds
/// the interpolation kernels need. A tolerance of <see cref="Tolerance"/> voxel widens the range
/// so that grids that coincide up to floating-point rounding (identity resampling, an oblique
/// matrix and its inverse) are not lost at the edges.
/// </summary>
internal readonly struct SourceLimits
{
    public const double Tolerance = 1e-6;

    public readonly double LowX, LowY, LowZ, HighX, HighY, HighZ;
    public readonly double MaxX, MaxY, MaxZ;   // n - 1: largest index a point is clamped to
    public readonly int LastBaseX, LastBaseY, LastBaseZ; // max(n - 2, 0): lower corner of the last cell

    public SourceLimits(GridSize size, SourceBounds bounds)
    {
        double margin = bounds == SourceBounds.EdgeVoxelFaces ? 0.5 + Tolerance : Tolerance;
        LowX = -margin; LowY = -margin; LowZ = -margin;
        HighX = size.I - 1 + margin; HighY = size.J - 1 + margin; HighZ = size.K - 1 + margin;
        MaxX = size.I - 1; MaxY = size.J - 1; MaxZ = size.K - 1;
        LastBaseX = Math.Max(size.I - 2, 0); LastBaseY = Math.Max(size.J - 2, 0); LastBaseZ = Math.Max(size.K - 2, 0);
    }

    public bool Contains(double x, double y, double z) =>
        x >= LowX && x <= HighX && y >= LowY && y <= HighY && z >= LowZ && z <= HighZ;
}
