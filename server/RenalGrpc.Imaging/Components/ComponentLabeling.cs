namespace RenalGrpc.Imaging.Components;

/// <summary>
/// Result of connected-component labelling: one int per voxel (i fastest, like <see cref="Volume"/>),
/// 0 for background and 1..<see cref="ComponentCount"/> for components, numbered in raster order of
/// each component's first voxel (as scipy.ndimage.label numbers them).
/// </summary>
public sealed class ComponentLabeling
{
    private readonly long[] _voxelCounts;

    internal ComponentLabeling(GridSize size, int[] labels, int componentCount, long[] voxelCounts)
    {
        Size = size;
        Labels = labels;
        ComponentCount = componentCount;
        _voxelCounts = voxelCounts;
    }

    public GridSize Size { get; }

    /// <summary>Label of every voxel, i fastest; 0 is background.</summary>
    public int[] Labels { get; }

    public int ComponentCount { get; }

    /// <summary>Number of voxels of component <paramref name="label"/> (1-based).</summary>
    public long VoxelCount(int label)
    {
        if (label < 1 || label > ComponentCount)
            throw new ArgumentOutOfRangeException(nameof(label), label, $"labels run from 1 to {ComponentCount}");
        return _voxelCounts[label];
    }

    /// <summary>Labels ordered by decreasing voxel count (ties by label).</summary>
    public int[] LabelsBySize()
    {
        var order = Enumerable.Range(1, ComponentCount).ToArray();
        Array.Sort(order, (a, b) => _voxelCounts[a] != _voxelCounts[b] ? _voxelCounts[b].CompareTo(_voxelCounts[a]) : a.CompareTo(b));
        return order;
    }

    /// <summary>A uint8 mask (1 inside) of the given component.</summary>
    public byte[] MaskOf(int label)
    {
        VoxelCount(label);
        var mask = new byte[Labels.Length];
        for (int n = 0; n < Labels.Length; n++) if (Labels[n] == label) mask[n] = 1;
        return mask;
    }
}
