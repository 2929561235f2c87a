using RenalGrpc.Imaging;
using RenalGrpc.Imaging.Components;

namespace RenalGrpc.Server.Storage;

/// <summary>
/// What turns one revision's labels back into the revision before it: the smallest box (half-open,
/// reference-grid voxels) holding every voxel the edit changed, and the older labels in that box (i
/// fastest). A study keeps its latest label map whole and one of these per older revision, so a brush
/// stroke costs the memory budget its box, not another whole map (52 MB for 512 x 512 x 200).
/// </summary>
public sealed record RevisionUndo(VoxelBounds Box, byte[] Labels)
{
    public static readonly RevisionUndo None = new(new VoxelBounds(0, 0, 0, 0, 0, 0), []);

    public ulong Bytes => (ulong)Labels.LongLength;

    /// <summary>The undo from <paramref name="newer"/> back to <paramref name="older"/> (same grid, uint8 labels).</summary>
    public static RevisionUndo Between(Volume older, Volume newer)
    {
        ArgumentNullException.ThrowIfNull(older);
        ArgumentNullException.ThrowIfNull(newer);
        if (older.Size != newer.Size || older.Buffer.LongLength != newer.Buffer.LongLength)
            throw new ArgumentException($"revisions must share one grid: {older.Size} and {newer.Size}");
        var size = older.Size;
        ReadOnlySpan<byte> a = older.Buffer, b = newer.Buffer;
        int i0 = int.MaxValue, j0 = int.MaxValue, k0 = int.MaxValue, i1 = -1, j1 = -1, k1 = -1;
        for (int k = 0; k < size.K; k++)
            for (int j = 0; j < size.J; j++)
            {
                int row = (int)size.Index(0, j, k);
                var x = a.Slice(row, size.I);
                var y = b.Slice(row, size.I);
                int first = x.CommonPrefixLength(y);
                if (first == size.I) continue; // rows are compared vectorised; most are untouched
                int last = size.I - 1;
                while (x[last] == y[last]) last--;
                (i0, i1) = (Math.Min(i0, first), Math.Max(i1, last));
                (j0, j1) = (Math.Min(j0, j), Math.Max(j1, j));
                (k0, k1) = (Math.Min(k0, k), Math.Max(k1, k));
            }
        if (i1 < 0) return None;
        var box = new VoxelBounds(i0, j0, k0, i1 + 1, j1 + 1, k1 + 1);
        return new RevisionUndo(box, Copy(older.Buffer, size, box));
    }

    /// <summary>Writes the older labels back into <paramref name="labels"/> (a copy of the newer revision's buffer).</summary>
    public void ApplyTo(byte[] labels, GridSize size)
    {
        int width = Box.I1 - Box.I0, n = 0;
        for (int k = Box.K0; k < Box.K1; k++)
            for (int j = Box.J0; j < Box.J1; j++, n += width)
                Labels.AsSpan(n, width).CopyTo(labels.AsSpan((int)size.Index(Box.I0, j, k), width));
    }

    private static byte[] Copy(byte[] labels, GridSize size, VoxelBounds box)
    {
        int width = box.I1 - box.I0, n = 0;
        var copy = new byte[(long)width * (box.J1 - box.J0) * (box.K1 - box.K0)];
        for (int k = box.K0; k < box.K1; k++)
            for (int j = box.J0; j < box.J1; j++, n += width)
                labels.AsSpan((int)size.Index(box.I0, j, k), width).CopyTo(copy.AsSpan(n, width));
        return copy;
    }
}
