namespace RenalGrpc.Imaging;

/// <summary>Number of voxels along i (fastest), j and k.</summary>
public readonly record struct GridSize(int I, int J, int K)
{
    public int this[int axis] => axis switch
    {
        0 => I,
        1 => J,
        2 => K,
        _ => throw new ArgumentOutOfRangeException(nameof(axis)),
    };

    public long VoxelCount => (long)I * J * K;

    /// <summary>Linear index of voxel (i, j, k) in i-fastest order.</summary>
    public long Index(int i, int j, int k) => ((long)k * J + j) * I + i;

    public bool Contains(int i, int j, int k) => (uint)i < (uint)I && (uint)j < (uint)J && (uint)k < (uint)K;

    public override string ToString() => $"{I}x{J}x{K}";
}
