namespace RenalGrpc.Imaging.Components;

/// <summary>
/// Connected-component labelling of 3-D masks by runs: each row's foreground runs are found with
/// vectorised scans (parallel over k slices), runs that touch a run in an earlier neighbouring row
/// are merged with union-find (within slices in parallel, then across slices), and the labels are
/// written run by run. No recursion, no per-voxel queue; work is proportional to the number of runs.
/// </summary>
public static class ConnectedComponents
{
    /// <summary>Labels the nonzero voxels of a mask stored i fastest.</summary>
    public static unsafe ComponentLabeling Label(ReadOnlySpan<byte> mask, GridSize size, Connectivity connectivity)
    {
        if (size.I <= 0 || size.J <= 0 || size.K <= 0)
            throw new ImagingException($"mask size {size} has a zero or negative dimension");
        if (mask.Length != size.VoxelCount)
            throw new ImagingException($"mask holds {mask.Length} voxels, size {size} needs {size.VoxelCount}");
        if (connectivity is not (Connectivity.Six or Connectivity.TwentySix))
            throw new ArgumentOutOfRangeException(nameof(connectivity), connectivity, "connectivity must be Six or TwentySix");
        fixed (byte* pointer = mask)
        {
            // The span is pinned for the whole (synchronous) parallel loop; lambdas cannot capture spans.
            nint address = (nint)pointer;
            return LabelPinned(address, size, connectivity);
        }
    }

    /// <summary>Labels the nonzero voxels of a volume (any voxel type).</summary>
    public static ComponentLabeling Label(Volume volume, Connectivity connectivity)
    {
        ArgumentNullException.ThrowIfNull(volume);
        return Label(volume, v => v != 0, connectivity);
    }

    /// <summary>Labels the voxels of a volume for which <paramref name="isForeground"/> holds.</summary>
    public static ComponentLabeling Label(Volume volume, Func<float, bool> isForeground, Connectivity connectivity)
    {
        ArgumentNullException.ThrowIfNull(volume);
        ArgumentNullException.ThrowIfNull(isForeground);
        var values = volume.ToFloatArray();
        var mask = new byte[values.Length];
        for (int n = 0; n < values.Length; n++) mask[n] = isForeground(values[n]) ? (byte)1 : (byte)0;
        return Label(mask, volume.Size, connectivity);
    }

    private static unsafe ComponentLabeling LabelPinned(nint address, GridSize size, Connectivity connectivity)
    {
        int sliceLength = size.I * size.J;
        var slices = new RowRuns[size.K];
        Parallel.For(0, size.K, k =>
        {
            var slice = new ReadOnlySpan<byte>((byte*)address + (long)k * sliceLength, sliceLength);
            slices[k] = RowRuns.Extract(slice, size.I, size.J);
        });
        int total = 0;
        foreach (var s in slices)
        {
            s.Base = total;
            total = checked(total + s.Count);
        }

        var forest = new RunForest(total);
        int touch = connectivity == Connectivity.TwentySix ? 1 : 0;
        // Unions inside a slice only touch that slice's run numbers, so slices are independent.
        Parallel.For(0, size.K, k =>
        {
            var s = slices[k];
            for (int j = 1; j < size.J; j++) MergeRows(forest, s, j, s, j - 1, touch);
        });
        for (int k = 1; k < size.K; k++)
        {
            var s = slices[k];
            var below = slices[k - 1];
            for (int j = 0; j < size.J; j++)
            {
                if (touch == 0)
                {
                    MergeRows(forest, s, j, below, j, 0);
                    continue;
                }
                for (int dj = -1; dj <= 1; dj++)
                    if ((uint)(j + dj) < (uint)size.J) MergeRows(forest, s, j, below, j + dj, 1);
            }
        }

        var (runLabels, count) = forest.NumberComponents();
        var voxelCounts = new long[count + 1];
        var labels = new int[size.VoxelCount];
        foreach (var s in slices)
            for (int r = 0; r < s.Count; r++) voxelCounts[runLabels[s.Base + r]] += s.Ends[r] - s.Starts[r];
        Parallel.For(0, size.K, k =>
        {
            var s = slices[k];
            for (int j = 0; j < size.J; j++)
            {
                int rowStart = k * sliceLength + j * size.I;
                for (int r = s.RowFirst[j]; r < s.RowFirst[j + 1]; r++)
                    labels.AsSpan(rowStart + s.Starts[r], s.Ends[r] - s.Starts[r]).Fill(runLabels[s.Base + r]);
            }
        });
        long background = size.VoxelCount;
        for (int c = 1; c <= count; c++) background -= voxelCounts[c];
        voxelCounts[0] = background;
        return new ComponentLabeling(size, labels, count, voxelCounts);
    }

    /// <summary>
    /// Unions every run of row a with each run of row b it touches. Runs [s, e) touch when they
    /// share an i (touch = 0: face neighbours) or when they are at most one i apart (touch = 1:
    /// diagonal neighbours too). Both rows are sorted, so one merge-like pass suffices.
    /// </summary>
    private static void MergeRows(RunForest forest, RowRuns a, int rowA, RowRuns b, int rowB, int touch)
    {
        int p = a.RowFirst[rowA], pEnd = a.RowFirst[rowA + 1];
        int q = b.RowFirst[rowB], qEnd = b.RowFirst[rowB + 1];
        while (p < pEnd && q < qEnd)
        {
            if (a.Ends[p] + touch <= b.Starts[q]) p++;
            else if (b.Ends[q] + touch <= a.Starts[p]) q++;
            else
            {
                forest.Union(a.Base + p, b.Base + q);
                if (a.Ends[p] < b.Ends[q]) p++;
                else q++;
            }
        }
    }
}
