namespace RenalGrpc.Imaging.Components;

/// <summary>
/// Finds only the components that reach into a box, by a scanline flood fill from the box: work is
/// proportional to the box plus the runs of those components, not to the grid. This is what lets an
/// edit of a 512x512x200 label map re-find just the lesions it touched; the components are the same
/// as <see cref="ConnectedComponents.Label(ReadOnlySpan{byte}, GridSize, Connectivity)"/> would give
/// for a mask of <c>labels == value</c>.
/// </summary>
public static class ComponentFill
{
    /// <summary>
    /// Every component of the voxels equal to <paramref name="value"/> that has at least one voxel
    /// inside <paramref name="box"/>, whole (it may reach far outside the box), as runs; ordered by
    /// first voxel in raster order.
    /// </summary>
    public static List<ComponentRuns> Touching(ReadOnlySpan<byte> labels, GridSize size, byte value, VoxelBounds box, Connectivity connectivity)
    {
        if (labels.Length != size.VoxelCount)
            throw new ImagingException($"labels hold {labels.Length} voxels, size {size} needs {size.VoxelCount}");
        if (connectivity is not (Connectivity.Six or Connectivity.TwentySix))
            throw new ArgumentOutOfRangeException(nameof(connectivity), connectivity, "connectivity must be Six or TwentySix");
        var found = new List<ComponentRuns>();
        box = new VoxelBounds(Math.Max(0, box.I0), Math.Max(0, box.J0), Math.Max(0, box.K0),
            Math.Min(size.I, box.I1), Math.Min(size.J, box.J1), Math.Min(size.K, box.K1));
        if (box.IsEmpty) return found;

        var visited = new ulong[(size.VoxelCount + 63) / 64];
        var pending = new Stack<(int Row, int Start, int End)>();
        for (int k = box.K0; k < box.K1; k++)
        {
            for (int j = box.J0; j < box.J1; j++)
            {
                int row = k * size.J + j;
                var line = labels.Slice(row * size.I, size.I);
                int i = box.I0;
                while (i < box.I1)
                {
                    int hit = line[i..box.I1].IndexOf(value);
                    if (hit < 0) break;
                    var (start, end) = RunAround(line, value, i + hit);
                    i = end;
                    if (IsVisited(visited, row * size.I + start)) continue;
                    found.Add(Fill(labels, size, value, connectivity, visited, pending, row, start, end));
                }
            }
        }
        found.Sort((a, b) => a.FirstIndex.CompareTo(b.FirstIndex));
        return found;
    }

    /// <summary>One component from a seed run: pops runs, visits the runs they touch in neighbouring rows.</summary>
    private static ComponentRuns Fill(ReadOnlySpan<byte> labels, GridSize size, byte value, Connectivity connectivity,
        ulong[] visited, Stack<(int Row, int Start, int End)> pending, int seedRow, int seedStart, int seedEnd)
    {
        var runs = new List<(int Start, int Length)>();
        int touch = connectivity == Connectivity.TwentySix ? 1 : 0;
        Visit(visited, runs, pending, size, seedRow, seedStart, seedEnd);
        while (pending.Count > 0)
        {
            var (row, start, end) = pending.Pop();
            int j = row % size.J, k = row / size.J;
            for (int dk = -1; dk <= 1; dk++)
            {
                for (int dj = -1; dj <= 1; dj++)
                {
                    // Six: face neighbours only (same i range in the rows above/below and before/after).
                    if ((dj == 0 && dk == 0) || (touch == 0 && dj != 0 && dk != 0)) continue;
                    int nj = j + dj, nk = k + dk;
                    if ((uint)nj >= (uint)size.J || (uint)nk >= (uint)size.K) continue;
                    int neighbour = nk * size.J + nj;
                    var line = labels.Slice(neighbour * size.I, size.I);
                    int from = Math.Max(0, start - touch), to = Math.Min(size.I, end + touch);
                    while (from < to)
                    {
                        int hit = line[from..to].IndexOf(value);
                        if (hit < 0) break;
                        var (s, e) = RunAround(line, value, from + hit);
                        from = e;
                        if (!IsVisited(visited, neighbour * size.I + s)) Visit(visited, runs, pending, size, neighbour, s, e);
                    }
                }
            }
        }
        runs.Sort((a, b) => a.Start.CompareTo(b.Start));
        return ComponentRuns.FromRuns(size, runs.Select(r => r.Start).ToArray(), runs.Select(r => r.Length).ToArray());
    }

    /// <summary>The maximal run of <paramref name="value"/> in a row that holds position <paramref name="at"/>: [start, end).</summary>
    private static (int Start, int End) RunAround(ReadOnlySpan<byte> line, byte value, int at)
    {
        int before = line[..at].LastIndexOfAnyExcept(value);
        int after = line[at..].IndexOfAnyExcept(value);
        return (before + 1, after < 0 ? line.Length : at + after);
    }

    private static void Visit(ulong[] visited, List<(int, int)> runs, Stack<(int, int, int)> pending, GridSize size, int row, int start, int end)
    {
        long first = (long)row * size.I + start;
        for (long n = first; n < first + (end - start); n++) visited[n >> 6] |= 1UL << (int)(n & 63);
        runs.Add(((int)first, end - start));
        pending.Push((row, start, end));
    }

    // Runs are always marked whole, so one voxel tells whether its run was visited.
    private static bool IsVisited(ulong[] visited, long n) => (visited[n >> 6] & (1UL << (int)(n & 63))) != 0;
}
