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
    public static readonly RevisionUndo None = new(VoxelBounds.Empty, []);

    public ulong Bytes => (ulong)Labels.LongLength;

    /// <summary>
    /// The undo back to <paramref name="older"/> for an edit that changed only voxels inside
    /// <paramref name="changed"/> (the edit's changed region, which the server computes anyway).
    /// </summary>
    public static RevisionUndo Of(Volume older, VoxelBounds changed)
    {
        ArgumentNullException.ThrowIfNull(older);
        if (changed.IsEmpty) return None;
        var size = older.Size;
        if (changed.I0 < 0 || changed.J0 < 0 || changed.K0 < 0 || changed.I1 > size.I || changed.J1 > size.J || changed.K1 > size.K)
            throw new ArgumentException($"changed box {changed} reaches outside the {size} grid", nameof(changed));
        return new RevisionUndo(changed, Copy(older.Buffer, size, changed));
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
