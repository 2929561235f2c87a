using RenalGrpc.Imaging;
using static TorchSharp.torch;

namespace RenalGrpc.Engine.Registration;

/// <summary>
/// A 3-D affine map in PyTorch's normalised grid coordinates (x along the last tensor axis = i,
/// y = j, z = k; -1 and +1 at the outer faces of the grid, align_corners = false): theta is the
/// 3x4 row-major matrix F.affine_grid takes. It maps a point of the REFERENCE grid to the point of
/// the MOVING grid that is sampled there, which is what warping the moving image needs.
/// </summary>
public sealed record AffineTransform
{
    public AffineTransform(IReadOnlyList<double> theta)
    {
        ArgumentNullException.ThrowIfNull(theta);
        if (theta.Count != 12 || theta.Any(v => !double.IsFinite(v)))
            throw new ArgumentException("an affine transform needs 12 finite values (3x4, row-major)");
        Theta = theta.ToArray();
    }

    /// <summary>Row-major 3x4: rows give x', y', z' as a * x + b * y + c * z + d.</summary>
    public IReadOnlyList<double> Theta { get; }

    public static AffineTransform Identity { get; } = Translation(0, 0, 0);

    public static AffineTransform Translation(double x, double y, double z) =>
        new(new double[] { 1, 0, 0, x, 0, 1, 0, y, 0, 0, 1, z });

    /// <summary>The moving-grid point (normalised x, y, z) sampled at a reference-grid point.</summary>
    public Vec3 Apply(Vec3 normalized) => new(
        Theta[0] * normalized.X + Theta[1] * normalized.Y + Theta[2] * normalized.Z + Theta[3],
        Theta[4] * normalized.X + Theta[5] * normalized.Y + Theta[6] * normalized.Z + Theta[7],
        Theta[8] * normalized.X + Theta[9] * normalized.Y + Theta[10] * normalized.Z + Theta[11]);

    /// <summary>
    /// The same map between continuous voxel indices (i, j, k): for two grids of the given sizes
    /// (the common space both masks were put in), the moving index sampled at a reference index.
    /// </summary>
    public Vec3 ApplyToIndex(Vec3 referenceIndex, GridSize referenceSize, GridSize movingSize) =>
        NormalizedCoordinates.ToIndex(Apply(NormalizedCoordinates.FromIndex(referenceIndex, referenceSize)), movingSize);

    /// <summary>1 x 3 x 4 float32 tensor for F.affine_grid.</summary>
    public Tensor ToTensor() => tensor(Theta.Select(v => (float)v).ToArray(), new long[] { 1, 3, 4 });

    public static AffineTransform FromTensor(Tensor theta)
    {
        using var flat = theta.detach().cpu().to(ScalarType.Float64).contiguous().reshape(-1);
        return new AffineTransform(flat.data<double>().ToArray());
    }
}

/// <summary>Voxel index to PyTorch normalised coordinates and back (align_corners = false).</summary>
public static class NormalizedCoordinates
{
    /// <summary>Index i of n voxels sits at (2i + 1) / n - 1: the outer faces are at -1 and +1.</summary>
    public static double FromIndex(double index, int size) => (2 * index + 1) / size - 1;

    public static double ToIndex(double normalized, int size) => ((normalized + 1) * size - 1) / 2;

    public static Vec3 FromIndex(Vec3 index, GridSize size) =>
        new(FromIndex(index.X, size.I), FromIndex(index.Y, size.J), FromIndex(index.Z, size.K));

    public static Vec3 ToIndex(Vec3 normalized, GridSize size) =>
        new(ToIndex(normalized.X, size.I), ToIndex(normalized.Y, size.J), ToIndex(normalized.Z, size.K));
}
