namespace RenalGrpc.Imaging.Components;

/// <summary>
/// One connected component's voxels as maximal runs along i, in raster order: run n covers the
/// linear indices [Starts[n], Starts[n] + Lengths[n]) of one row. A lesion of a 512x512x200 study
/// is a few thousand runs instead of a 52-million-voxel mask, so measuring, cropping or testing it
/// against an edited box costs its own size, not the grid's. Immutable.
/// </summary>
public sealed class ComponentRuns
{
    private readonly int[] _starts;
    private readonly int[] _lengths;

    private ComponentRuns(GridSize size, int[] starts, int[] lengths, long voxelCount, VoxelBounds bounds)
    {
        Size = size;
        _starts = starts;
        _lengths = lengths;
        VoxelCount = voxelCount;
        Bounds = bounds;
    }

    public GridSize Size { get; }

    /// <summary>Linear index of each run's first voxel, increasing.</summary>
    public ReadOnlySpan<int> Starts => _starts;

    public ReadOnlySpan<int> Lengths => _lengths;

    public int RunCount => _starts.Length;

    public long VoxelCount { get; }

    /// <summary>Linear index of the first voxel in raster order (what orders components like <see cref="ConnectedComponents"/> numbers them).</summary>
    public int FirstIndex => _starts[0];

    /// <summary>The smallest box holding every voxel.</summary>
    public VoxelBounds Bounds { get; }

    /// <summary>
    /// Runs sorted by start, each inside one row, none empty, none overlapping. Runs of a row must be
    /// maximal (not touching each other): measurements sum per run, so split runs would round differently.
    /// </summary>
    public static ComponentRuns FromRuns(GridSize size, int[] starts, int[] lengths)
    {
        ArgumentNullException.ThrowIfNull(starts);
        ArgumentNullException.ThrowIfNull(lengths);
        if (starts.Length == 0 || starts.Length != lengths.Length)
            throw new ArgumentException($"a component needs at least one run and one length per start ({starts.Length} starts, {lengths.Length} lengths)");
        long count = 0;
        int i0 = int.MaxValue, j0 = int.MaxValue, k0 = int.MaxValue, i1 = -1, j1 = -1, k1 = -1;
        for (int n = 0; n < starts.Length; n++)
        {
            int start = starts[n], length = lengths[n];
            int i = start % size.I, row = start / size.I;
            if (length < 1 || start < 0 || i + length > size.I || row >= size.J * size.K)
                throw new ArgumentException($"run {n} (start {start}, length {length}) is empty or leaves its row of the {size} grid");
            // A run may start right where the previous one ended only on a new row (that one ended its row).
            if (n > 0 && (start < starts[n - 1] + lengths[n - 1] || (start == starts[n - 1] + lengths[n - 1] && i != 0)))
                throw new ArgumentException($"run {n} starts at {start}, not after run {n - 1} ends (runs must be sorted, disjoint and maximal)");
            count += length;
            int j = row % size.J, k = row / size.J;
            (i0, i1) = (Math.Min(i0, i), Math.Max(i1, i + length));
            (j0, j1) = (Math.Min(j0, j), Math.Max(j1, j + 1));
            (k0, k1) = (Math.Min(k0, k), Math.Max(k1, k + 1));
        }
        return new ComponentRuns(size, starts, lengths, count, new VoxelBounds(i0, j0, k0, i1, j1, k1));
    }

    /// <summary>Every component of a labelling as runs (index c - 1 holds component c), in one raster pass.</summary>
    public static ComponentRuns[] Split(ComponentLabeling labeling)
    {
        ArgumentNullException.ThrowIfNull(labeling);
        var size = labeling.Size;
        var starts = new List<int>[labeling.ComponentCount + 1];
        var lengths = new List<int>[labeling.ComponentCount + 1];
        for (int c = 1; c <= labeling.ComponentCount; c++) (starts[c], lengths[c]) = ([], []);
        ReadOnlySpan<int> labels = labeling.Labels;
        int rows = size.J * size.K;
        for (int row = 0; row < rows; row++)
        {
            var line = labels.Slice(row * size.I, size.I);
            int i = 0;
            while (i < line.Length)
            {
                int skip = line[i..].IndexOfAnyExcept(0);
                if (skip < 0) break;
                i += skip;
                int label = line[i];
                int end = line[i..].IndexOfAnyExcept(label);
                end = end < 0 ? line.Length : i + end;
                starts[label].Add(row * size.I + i);
                lengths[label].Add(end - i);
                i = end;
            }
        }
        var result = new ComponentRuns[labeling.ComponentCount];
        for (int c = 1; c <= labeling.ComponentCount; c++) result[c - 1] = FromRuns(size, [.. starts[c]], [.. lengths[c]]);
        return result;
    }

    /// <summary>True when some voxel lies inside <paramref name="box"/>.</summary>
    public bool HasVoxelIn(VoxelBounds box)
    {
        if (!Bounds.Intersects(box)) return false;
        for (int n = 0; n < _starts.Length; n++)
        {
            int row = _starts[n] / Size.I, i = _starts[n] % Size.I;
            int j = row % Size.J, k = row / Size.J;
            if (j >= box.J0 && j < box.J1 && k >= box.K0 && k < box.K1 && i < box.I1 && i + _lengths[n] > box.I0) return true;
        }
        return false;
    }

    /// <summary>
    /// The axial slice k with the most voxels and that count; ties go to the lowest k (as
    /// <c>LesionCrops.LargestSlice</c> chooses on a mask).
    /// </summary>
    public (int K, long Area) LargestSlice()
    {
        var areas = SliceAreas();
        int best = 0;
        for (int k = 1; k < areas.Length; k++) if (areas[k] > areas[best]) best = k;
        return (Bounds.K0 + best, areas[best]);
    }

    /// <summary>The component's voxel count on each axial slice from Bounds.K0 to Bounds.K1 - 1 (element 0 is slice K0).</summary>
    public long[] SliceAreas()
    {
        var areas = new long[Bounds.K1 - Bounds.K0];
        int rowsPerSlice = Size.J;
        for (int n = 0; n < _starts.Length; n++) areas[_starts[n] / Size.I / rowsPerSlice - Bounds.K0] += _lengths[n];
        return areas;
    }

    /// <summary>The component's voxels on slice k as a 0/1 mask of I x J (i fastest).</summary>
    public byte[] SliceMask(int k)
    {
        int sliceLength = Size.I * Size.J;
        var mask = new byte[sliceLength];
        long first = (long)k * sliceLength;
        for (int n = 0; n < _starts.Length; n++)
        {
            long offset = _starts[n] - first;
            if (offset >= 0 && offset < sliceLength) mask.AsSpan((int)offset, _lengths[n]).Fill(1);
        }
        return mask;
    }

    /// <summary>Mean of <paramref name="values"/> (one per voxel of the grid) over the component, summed in raster order.</summary>
    public double MeanOf(ReadOnlySpan<float> values)
    {
        double sum = 0;
        for (int n = 0; n < _starts.Length; n++)
        {
            foreach (float v in values.Slice(_starts[n], _lengths[n])) sum += v;
        }
        return sum / VoxelCount;
    }

    /// <summary>How many of the component's voxels read exactly <paramref name="value"/> in <paramref name="values"/> (one per voxel of the grid).</summary>
    public long CountOf(ReadOnlySpan<float> values, float value)
    {
        long count = 0;
        for (int n = 0; n < _starts.Length; n++)
        {
            count += values.Slice(_starts[n], _lengths[n]).Count(value);
        }
        return count;
    }
}
