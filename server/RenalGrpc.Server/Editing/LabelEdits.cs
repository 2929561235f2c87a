using RenalGrpc.Imaging;
using RenalGrpc.Imaging.Components;
using RenalGrpc.Server.Storage;
using V1 = RenalGrpc.V1;

namespace RenalGrpc.Server.Editing;

/// <summary>A half-open voxel box [I0, I1) x [J0, J1) x [K0, K1) in the reference grid.</summary>
public readonly record struct VoxelRange(int I0, int J0, int K0, int I1, int J1, int K1)
{
    public static readonly VoxelRange Empty = new(0, 0, 0, 0, 0, 0);

    public bool IsEmpty => I1 <= I0 || J1 <= J0 || K1 <= K0;

    public long VoxelCount => IsEmpty ? 0 : (long)(I1 - I0) * (J1 - J0) * (K1 - K0);

    public VoxelBounds ToBounds() => IsEmpty ? VoxelBounds.Empty : new(I0, J0, K0, I1, J1, K1);

    public V1.VoxelBox ToProto() => IsEmpty
        ? new V1.VoxelBox()
        : new V1.VoxelBox { I0 = (uint)I0, J0 = (uint)J0, K0 = (uint)K0, SizeI = (uint)(I1 - I0), SizeJ = (uint)(J1 - J0), SizeK = (uint)(K1 - K0) };
}

/// <summary>
/// Applies the contract's label edits to a copy of the latest labels. Every refusal names the
/// request field (StudyRequestException, mapped to INVALID_ARGUMENT with a BadRequest detail).
/// The stored revision is never written: edits always produce a new buffer.
/// </summary>
public static class LabelEdits
{
    /// <summary>Label values a client may write (KiTS23: background, kidney, tumor, cyst).</summary>
    public const byte MaxLabel = KidneyLabels.Cyst;

    /// <summary>A copy of <paramref name="current"/> with the region's run-length-encoded labels written into its box.</summary>
    public static Volume ApplyRegion(Volume current, V1.RegionEdit region)
    {
        var size = current.Size;
        var box = region.Box ?? throw StudyRequestException.Invalid("header.region.box", "the region needs a box", "BOX_MISSING");
        if (box.SizeI == 0 || box.SizeJ == 0 || box.SizeK == 0)
        {
            throw StudyRequestException.Invalid("header.region.box", "the box is empty (every size must be at least 1)", "BOX_EMPTY");
        }

        if ((ulong)box.I0 + box.SizeI > (ulong)size.I || (ulong)box.J0 + box.SizeJ > (ulong)size.J || (ulong)box.K0 + box.SizeK > (ulong)size.K)
        {
            throw StudyRequestException.Invalid("header.region.box",
                $"the box [{box.I0}+{box.SizeI}, {box.J0}+{box.SizeJ}, {box.K0}+{box.SizeK}] reaches outside the {size} reference grid", "BOX_OUTSIDE_GRID");
        }

        if (region.RunLengths.Count != region.RunLabels.Length)
        {
            throw StudyRequestException.Invalid("header.region.run_labels",
                $"{region.RunLabels.Length} run labels for {region.RunLengths.Count} run lengths (one label byte per run)", "RUN_COUNT_MISMATCH");
        }

        var boxVoxels = (ulong)box.SizeI * box.SizeJ * box.SizeK;
        ulong total = 0;
        for (var r = 0; r < region.RunLengths.Count; r++)
        {
            if (region.RunLengths[r] == 0)
            {
                throw StudyRequestException.Invalid("header.region.run_lengths", $"run {r} has length 0", "EMPTY_RUN");
            }

            total += region.RunLengths[r];
            if (region.RunLabels[r] > MaxLabel)
            {
                throw StudyRequestException.Invalid("header.region.run_labels",
                    $"run {r} has label {region.RunLabels[r]}; labels are 0 background, 1 kidney, 2 tumor, 3 cyst", "LABEL_OUT_OF_RANGE");
            }
        }

        if (total != boxVoxels)
        {
            throw StudyRequestException.Invalid("header.region.run_lengths",
                $"the runs cover {total} voxels but the box holds {boxVoxels}", "RUNS_DO_NOT_FILL_BOX");
        }

        // Every revision is kept whole, so this is a fresh 52 MB on a realistic study: skip the GC's
        // zeroing of memory that the copy overwrites at once.
        var labels = GC.AllocateUninitializedArray<byte>(current.Buffer.Length);
        current.Buffer.CopyTo(labels, 0);
        int i = 0, j = 0, k = 0;
        for (var r = 0; r < region.RunLengths.Count; r++)
        {
            var value = region.RunLabels[r];
            var remaining = region.RunLengths[r];
            while (remaining > 0)
            {
                // Runs may cross rows and slices; write row pieces (i fastest inside the box).
                var piece = (int)Math.Min(remaining, box.SizeI - (uint)i);
                var start = size.Index((int)box.I0 + i, (int)box.J0 + j, (int)box.K0 + k);
                labels.AsSpan((int)start, piece).Fill(value);
                remaining -= (uint)piece;
                i += piece;
                if (i == box.SizeI)
                {
                    i = 0;
                    if (++j == box.SizeJ)
                    {
                        j = 0;
                        k++;
                    }
                }
            }
        }

        return new Volume(current.Geometry, VoxelType.UInt8, labels);
    }

    /// <summary>Checks a whole map's values (the length and hash are checked as it arrives).</summary>
    public static Volume WholeMap(Volume current, byte[] labels)
    {
        // Vectorised: a per-voxel delegate costs more than the rest of a 52 MB whole-map edit's checks.
        var bad = labels.AsSpan().IndexOfAnyInRange((byte)(MaxLabel + 1), byte.MaxValue);
        if (bad >= 0)
        {
            throw StudyRequestException.Invalid("chunk.data",
                $"voxel {bad} has label {labels[bad]}; labels are 0 background, 1 kidney, 2 tumor, 3 cyst", "LABEL_OUT_OF_RANGE");
        }

        return new Volume(current.Geometry, VoxelType.UInt8, labels);
    }

    /// <summary>
    /// A copy with the lesion under <paramref name="pointLps"/> removed: the 26-connected component of
    /// its label (tumor or cyst, as the diagnosis counts lesions) becomes kidney where it touches the
    /// kidney (a false lesion inside the organ) and background otherwise.
    /// </summary>
    public static Volume RemoveLesion(Volume current, Vec3 pointLps)
    {
        var size = current.Size;
        var index = current.Geometry.PhysicalToIndex(pointLps);
        var (i, j, k) = ((int)Math.Round(index.X), (int)Math.Round(index.Y), (int)Math.Round(index.Z));
        if (!size.Contains(i, j, k))
        {
            throw StudyRequestException.Invalid("header.hint.point_lps",
                $"the point ({pointLps.X:F1}, {pointLps.Y:F1}, {pointLps.Z:F1}) mm is outside the reference grid (voxel {i}, {j}, {k} of {size})", "POINT_OUTSIDE_GRID");
        }

        var labels = current.Buffer;
        var at = size.Index(i, j, k);
        var label = labels[at];
        if (label != KidneyLabels.Tumor && label != KidneyLabels.Cyst)
        {
            throw StudyRequestException.Invalid("header.hint.point_lps",
                $"there is no lesion at voxel ({i}, {j}, {k}) (label {label}); point at a tumor or cyst voxel", "NO_LESION_AT_POINT");
        }

        // Only the lesion under the point is visited (a flood fill), not the whole grid.
        var lesion = ComponentFill.Touching(labels, size, label, new VoxelBounds(i, j, k, i + 1, j + 1, k + 1), Connectivity.TwentySix).Single();
        var starts = lesion.Starts;
        var lengths = lesion.Lengths;
        var touchesKidney = false;
        for (var r = 0; r < starts.Length && !touchesKidney; r++)
        {
            for (var n = starts[r]; n < starts[r] + lengths[r] && !touchesKidney; n++)
            {
                touchesKidney = TouchesKidney(labels, size, n);
            }
        }

        var edited = GC.AllocateUninitializedArray<byte>(labels.Length);
        labels.CopyTo(edited, 0);
        for (var r = 0; r < starts.Length; r++)
        {
            edited.AsSpan(starts[r], lengths[r]).Fill((byte)(touchesKidney ? KidneyLabels.Kidney : 0));
        }

        return new Volume(current.Geometry, VoxelType.UInt8, edited);
    }

    private static bool TouchesKidney(byte[] labels, GridSize size, long n)
    {
        var i = (int)(n % size.I);
        var j = (int)(n / size.I % size.J);
        var k = (int)(n / ((long)size.I * size.J));
        ReadOnlySpan<(int, int, int)> faces = [(1, 0, 0), (-1, 0, 0), (0, 1, 0), (0, -1, 0), (0, 0, 1), (0, 0, -1)];
        foreach (var (di, dj, dk) in faces)
        {
            if (size.Contains(i + di, j + dj, k + dk) && labels[size.Index(i + di, j + dj, k + dk)] == KidneyLabels.Kidney)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// The smallest box holding every voxel that differs; <see cref="VoxelRange.Empty"/> when none
    /// does. <paramref name="within"/> limits the scan when the caller knows where changes can be
    /// (a region edit's box), so a small edit of a large study costs only its box.
    /// </summary>
    public static VoxelRange ChangedRegion(Volume before, Volume after, VoxelRange? within = null)
    {
        var size = before.Size;
        var scan = within ?? new VoxelRange(0, 0, 0, size.I, size.J, size.K);
        var width = scan.I1 - scan.I0;
        ReadOnlySpan<byte> a = before.Buffer, b = after.Buffer;
        int i0 = int.MaxValue, j0 = int.MaxValue, k0 = int.MaxValue, i1 = -1, j1 = -1, k1 = -1;
        for (var k = scan.K0; k < scan.K1; k++)
        {
            for (var j = scan.J0; j < scan.J1; j++)
            {
                var start = (int)size.Index(scan.I0, j, k);
                var rowA = a.Slice(start, width);
                var rowB = b.Slice(start, width);
                var prefix = rowA.CommonPrefixLength(rowB);
                if (prefix == width)
                {
                    continue;
                }

                var last = width - 1;
                while (rowA[last] == rowB[last])
                {
                    last--;
                }

                var first = scan.I0 + prefix;
                last += scan.I0;
                (i0, i1) = (Math.Min(i0, first), Math.Max(i1, last));
                (j0, j1) = (Math.Min(j0, j), Math.Max(j1, j));
                (k0, k1) = (Math.Min(k0, k), Math.Max(k1, k));
            }
        }

        return i1 < 0 ? VoxelRange.Empty : new VoxelRange(i0, j0, k0, i1 + 1, j1 + 1, k1 + 1);
    }
}
