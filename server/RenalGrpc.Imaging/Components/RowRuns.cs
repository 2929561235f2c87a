namespace RenalGrpc.Imaging.Components;

/// <summary>
/// The foreground runs of one k slice: for every row j, the half-open i ranges [Start, End) of
/// consecutive foreground voxels, in increasing i. Runs are numbered slice-locally in raster order;
/// <see cref="Base"/> turns them into global run numbers.
/// </summary>
internal sealed class RowRuns
{
    public int[] Starts = [];
    public int[] Ends = [];
    public int Count;
    public int Base;

    /// <summary>First run of row j is RowFirst[j], the row's runs end before RowFirst[j + 1].</summary>
    public int[] RowFirst = [];

    public static RowRuns Extract(ReadOnlySpan<byte> slice, int rowLength, int rows)
    {
        var runs = new RowRuns { RowFirst = new int[rows + 1] };
        var starts = new List<int>();
        var ends = new List<int>();
        for (int j = 0; j < rows; j++)
        {
            runs.RowFirst[j] = starts.Count;
            var row = slice.Slice(j * rowLength, rowLength);
            int i = 0;
            while (i < rowLength)
            {
                // Vectorised scans: skip background, then skip foreground.
                int s = row[i..].IndexOfAnyExcept((byte)0);
                if (s < 0) break;
                s += i;
                int e = row[s..].IndexOf((byte)0);
                e = e < 0 ? rowLength : s + e;
                starts.Add(s);
                ends.Add(e);
                i = e;
            }
        }
        runs.RowFirst[rows] = starts.Count;
        runs.Count = starts.Count;
        runs.Starts = starts.ToArray();
        runs.Ends = ends.ToArray();
        return runs;
    }
}
