using RenalGrpc.Imaging;

namespace RenalGrpc.Client;

/// <summary>A voxel box [I0, I0 + SizeI) x [J0, J0 + SizeJ) x [K0, K0 + SizeK) in the reference grid.</summary>
public sealed record VoxelBox(int I0, int J0, int K0, int SizeI, int SizeJ, int SizeK)
{
    public long VoxelCount => (long)SizeI * SizeJ * SizeK;

    public bool IsEmpty => VoxelCount == 0;

    public override string ToString() => IsEmpty ? "nothing" : $"i {I0}..{I0 + SizeI - 1}, j {J0}..{J0 + SizeJ - 1}, k {K0}..{K0 + SizeK - 1} ({SizeI}x{SizeJ}x{SizeK} voxels)";
}

/// <summary>An edit of a study's labels, sent against a base revision (see <see cref="RenalClient.SubmitEditAsync"/>).</summary>
public abstract record LabelEdit
{
    /// <summary>Label bytes this edit puts on the wire (run lengths as varints counted at 4 bytes; a whole map as its voxel count).</summary>
    public abstract long PayloadBytes { get; }
}

/// <summary>A box in the reference grid and its new labels run-length encoded (i fastest, then j, then k inside the box).</summary>
public sealed record RegionEdit(VoxelBox Box, uint[] RunLengths, byte[] RunLabels) : LabelEdit
{
    public override long PayloadBytes => RunLengths.LongLength * 4 + RunLabels.LongLength;
}

/// <summary>A whole label map in the reference grid (uint8, KiTS23 values).</summary>
public sealed record WholeMapEdit(Volume Labels) : LabelEdit
{
    public override long PayloadBytes => Labels.Buffer.LongLength;
}

/// <summary>A click at an LPS point (mm): remove the lesion under it, or add one the model missed.</summary>
public sealed record LesionHintEdit(Vec3 PointLps, bool Add) : LabelEdit
{
    public override long PayloadBytes => 0;
}

/// <summary>Builds edits from two label maps of the same grid.</summary>
public static class LabelEdits
{
    /// <summary>Above this share of the grid a changed box goes as a whole map (the run encoding would save little).</summary>
    public const double DefaultWholeMapFraction = 0.5;

    /// <summary>
    /// A region's header must fit one gRPC message (the server takes 4 MiB): a noisier encoding than
    /// this goes as a chunked whole map instead.
    /// </summary>
    public const long MaxRegionPayloadBytes = 3L << 20;

    /// <summary>The smallest box that holds every voxel that differs; null when the maps are equal.</summary>
    public static VoxelBox? ChangedBox(Volume before, Volume after)
    {
        RequireSameGrid(before, after);
        var size = before.Size;
        ReadOnlySpan<byte> a = before.Buffer, b = after.Buffer;
        int i0 = int.MaxValue, j0 = int.MaxValue, k0 = int.MaxValue, i1 = -1, j1 = -1, k1 = -1;
        for (var k = 0; k < size.K; k++)
        {
            for (var j = 0; j < size.J; j++)
            {
                var start = (int)size.Index(0, j, k);
                var rowA = a.Slice(start, size.I);
                var rowB = b.Slice(start, size.I);
                var first = rowA.CommonPrefixLength(rowB);
                if (first == size.I) continue;
                var last = size.I - 1;
                while (rowA[last] == rowB[last]) last--;
                (i0, i1) = (Math.Min(i0, first), Math.Max(i1, last));
                (j0, j1) = (Math.Min(j0, j), Math.Max(j1, j));
                (k0, k1) = (Math.Min(k0, k), Math.Max(k1, k));
            }
        }

        return i1 < 0 ? null : new VoxelBox(i0, j0, k0, i1 - i0 + 1, j1 - j0 + 1, k1 - k0 + 1);
    }

    /// <summary>The labels of <paramref name="labels"/> inside <paramref name="box"/>, run-length encoded.</summary>
    public static RegionEdit Region(Volume labels, VoxelBox box)
    {
        RequireUInt8(labels);
        var size = labels.Size;
        if (box.IsEmpty || !size.Contains(box.I0, box.J0, box.K0) || !size.Contains(box.I0 + box.SizeI - 1, box.J0 + box.SizeJ - 1, box.K0 + box.SizeK - 1))
            throw new ArgumentException($"the box ({box}) is empty or reaches outside the {size} grid", nameof(box));
        var lengths = new List<uint>();
        var values = new List<byte>();
        for (var k = box.K0; k < box.K0 + box.SizeK; k++)
        {
            for (var j = box.J0; j < box.J0 + box.SizeJ; j++)
            {
                var row = labels.Buffer.AsSpan((int)size.Index(box.I0, j, k), box.SizeI);
                foreach (var value in row)
                {
                    // Runs continue across rows and slices of the box.
                    if (values.Count > 0 && values[^1] == value) lengths[^1]++;
                    else
                    {
                        values.Add(value);
                        lengths.Add(1);
                    }
                }
            }
        }

        return new RegionEdit(box, [.. lengths], [.. values]);
    }

    /// <summary>
    /// The edit that turns <paramref name="before"/> into <paramref name="after"/>: the changed box as a
    /// region, or the whole map when that box covers more than <paramref name="wholeMapFraction"/> of
    /// the grid, or when its run-length encoding would not be smaller than the map or not fit one
    /// message (<see cref="MaxRegionPayloadBytes"/>). Null when nothing changed.
    /// </summary>
    public static LabelEdit? Between(Volume before, Volume after, double wholeMapFraction = DefaultWholeMapFraction)
    {
        RequireUInt8(after);
        var box = ChangedBox(before, after);
        if (box is null) return null;
        if (box.VoxelCount > wholeMapFraction * after.VoxelCount) return new WholeMapEdit(after);
        var region = Region(after, box);
        return region.PayloadBytes > MaxRegionPayloadBytes || region.PayloadBytes >= after.VoxelCount ? new WholeMapEdit(after) : region;
    }

    private static void RequireSameGrid(Volume before, Volume after)
    {
        RequireUInt8(before);
        RequireUInt8(after);
        if (before.Size != after.Size)
            throw new ArgumentException($"the label maps differ in size ({before.Size} vs {after.Size}); edits are made on the reference grid");
    }

    private static void RequireUInt8(Volume labels)
    {
        if (labels.VoxelType != VoxelType.UInt8)
            throw new ArgumentException($"labels must be uint8, not {labels.VoxelType}", nameof(labels));
    }
}
