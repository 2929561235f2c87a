namespace RenalGrpc.Server.Storage;

/// <summary>
/// The byte ranges of one phase received so far, kept sorted and merged. Chunks normally arrive
/// in order, so the list stays at one or a few entries and each add is a binary search.
/// </summary>
internal sealed class ReceivedRanges
{
    private readonly List<(ulong Start, ulong End)> _ranges = [];

    public ulong TotalBytes { get; private set; }

    /// <summary>End of the range that starts at offset 0 (0 when byte 0 has not arrived): every byte before it is in.</summary>
    public ulong ContiguousEnd => _ranges.Count > 0 && _ranges[0].Start == 0 ? _ranges[0].End : 0;

    /// <summary>Adds [start, end); false (and nothing added) when it overlaps a range already received.</summary>
    public bool TryAdd(ulong start, ulong end)
    {
        var index = FirstEndingAfter(start);
        if (index < _ranges.Count && _ranges[index].Start < end)
        {
            return false;
        }

        var mergeLeft = index > 0 && _ranges[index - 1].End == start;
        var mergeRight = index < _ranges.Count && _ranges[index].Start == end;
        if (mergeLeft && mergeRight)
        {
            _ranges[index - 1] = (_ranges[index - 1].Start, _ranges[index].End);
            _ranges.RemoveAt(index);
        }
        else if (mergeLeft)
        {
            _ranges[index - 1] = (_ranges[index - 1].Start, end);
        }
        else if (mergeRight)
        {
            _ranges[index] = (start, _ranges[index].End);
        }
        else
        {
            _ranges.Insert(index, (start, end));
        }

        TotalBytes += end - start;
        return true;
    }

    /// <summary>Index of the first range whose end is past <paramref name="offset"/>.</summary>
    private int FirstEndingAfter(ulong offset)
    {
        int lo = 0, hi = _ranges.Count;
        while (lo < hi)
        {
            var mid = (lo + hi) / 2;
            if (_ranges[mid].End <= offset)
            {
                lo = mid + 1;
            }
            else
            {
                hi = mid;
            }
        }

        return lo;
    }
}
