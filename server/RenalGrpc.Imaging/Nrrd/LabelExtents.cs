using System.Globalization;
using System.Runtime.InteropServices;

namespace RenalGrpc.Imaging.Nrrd;

/// <summary>Index bounding box of every label value in a label map, for Slicer's SegmentN_Extent.</summary>
internal sealed class LabelExtents
{
    private readonly int[] _min; // [label * 3 + axis]
    private readonly int[] _max;

    private LabelExtents(int[] min, int[] max)
    {
        _min = min;
        _max = max;
    }

    public static LabelExtents Compute(Volume labels)
    {
        int count = labels.VoxelType == VoxelType.UInt8 ? 256 : 65536;
        var min = new int[count * 3];
        var max = new int[count * 3];
        Array.Fill(min, int.MaxValue);
        Array.Fill(max, -1);
        var size = labels.Size;
        var bytes = labels.Buffer;
        var words = labels.VoxelType == VoxelType.UInt16 ? MemoryMarshal.Cast<byte, ushort>(bytes.AsSpan()).ToArray() : null;
        long n = 0;
        for (int k = 0; k < size.K; k++)
            for (int j = 0; j < size.J; j++)
                for (int i = 0; i < size.I; i++, n++)
                {
                    int label = words is null ? bytes[n] : words[n];
                    if (label == 0) continue;
                    int at = label * 3;
                    if (i < min[at]) min[at] = i;
                    if (i > max[at]) max[at] = i;
                    if (j < min[at + 1]) min[at + 1] = j;
                    if (j > max[at + 1]) max[at + 1] = j;
                    if (k < min[at + 2]) min[at + 2] = k;
                    if (k > max[at + 2]) max[at + 2] = k;
                }
        return new LabelExtents(min, max);
    }

    /// <summary>"minI maxI minJ maxJ minK maxK"; Slicer's empty extent "0 -1 0 -1 0 -1" when the label is absent.</summary>
    public string Format(int label)
    {
        int at = label * 3;
        if (label < 0 || at >= _max.Length || _max[at] < 0) return "0 -1 0 -1 0 -1";
        return string.Join(' ', new[] { _min[at], _max[at], _min[at + 1], _max[at + 1], _min[at + 2], _max[at + 2] }
            .Select(v => v.ToString(CultureInfo.InvariantCulture)));
    }
}
