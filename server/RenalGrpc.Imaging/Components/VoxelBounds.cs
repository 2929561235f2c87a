namespace RenalGrpc.Imaging.Components;

/// <summary>A half-open voxel box [I0, I1) x [J0, J1) x [K0, K1) of a grid.</summary>
public readonly record struct VoxelBounds(int I0, int J0, int K0, int I1, int J1, int K1)
{
    public static readonly VoxelBounds Empty = new(0, 0, 0, 0, 0, 0);

    public bool IsEmpty => I1 <= I0 || J1 <= J0 || K1 <= K0;

    public long VoxelCount => IsEmpty ? 0 : (long)(I1 - I0) * (J1 - J0) * (K1 - K0);

    /// <summary>The whole grid.</summary>
    public static VoxelBounds Of(GridSize size) => new(0, 0, 0, size.I, size.J, size.K);

    /// <summary>Grown by <paramref name="voxels"/> on every side and clipped to the grid; empty stays empty.</summary>
    public VoxelBounds Grow(int voxels, GridSize size) => IsEmpty
        ? Empty
        : new(Math.Max(0, I0 - voxels), Math.Max(0, J0 - voxels), Math.Max(0, K0 - voxels),
            Math.Min(size.I, I1 + voxels), Math.Min(size.J, J1 + voxels), Math.Min(size.K, K1 + voxels));

    public bool Intersects(VoxelBounds other) =>
        !IsEmpty && !other.IsEmpty
        && I0 < other.I1 && other.I0 < I1 && J0 < other.J1 && other.J0 < J1 && K0 < other.K1 && other.K0 < K1;

    public bool Contains(int i, int j, int k) => i >= I0 && i < I1 && j >= J0 && j < J1 && k >= K0 && k < K1;

    public override string ToString() => IsEmpty ? "empty" : $"[{I0}, {I1}) x [{J0}, {J1}) x [{K0}, {K1})";
}
