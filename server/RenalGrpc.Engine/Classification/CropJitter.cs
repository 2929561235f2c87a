namespace RenalGrpc.Engine.Classification;

/// <summary>One draw of <see cref="CropJitter"/>: zoom and shift of the image framing, growth of the mask, in crop pixels.</summary>
public readonly record struct JitterDraw(double ZoomRows, double ZoomColumns, double ShiftRows, double ShiftColumns, int MaskGrowPixels);

/// <summary>
/// Training-time stand-in for a predicted mask (and, with <see cref="CropOptions.JitterAverage"/>, every
/// such error at test time). At inference the crop's box follows the network's
/// mask: a mask one voxel larger frames the lesion with more context and covers a ring more of it,
/// a mask one voxel off leaves the lesion off-centre under a centred mask. On a lesion a few voxels
/// wide one voxel is many crop pixels, so the draws are in voxels of the lesion's box. Pure
/// functions on a channels x size x size stack (the last channel is the 0/1 mask).
/// </summary>
public static class CropJitter
{
    /// <summary>
    /// The image channels resampled bilinearly (edges repeated) through output pixel -> centre +
    /// zoom * (pixel - centre) + shift; the mask channel through the zoom alone (the box stays
    /// centred on the mask), thresholded at 0.5 and grown (positive) or shrunk (negative) by
    /// |MaskGrowPixels| 4-neighbour steps, unless shrinking would leave no pixel.
    /// </summary>
    public static float[] Apply(ReadOnlySpan<float> stack, int size, JitterDraw draw)
    {
        if (size < 1 || stack.Length % (size * size) != 0 || stack.Length < 2 * size * size)
            throw new ArgumentException($"{stack.Length} values do not make two or more {size} x {size} channels");
        if (!(draw.ZoomRows > 0 && draw.ZoomColumns > 0) || !double.IsFinite(draw.ZoomRows * draw.ZoomColumns))
            throw new ArgumentException($"zooms must be positive, got {draw.ZoomRows} and {draw.ZoomColumns}");
        int plane = size * size, channels = stack.Length / plane;
        var result = new float[stack.Length];
        for (int c = 0; c < channels; c++)
        {
            bool mask = c == channels - 1;
            Resample(stack.Slice(c * plane, plane), result.AsSpan(c * plane, plane), size, draw.ZoomRows, draw.ZoomColumns,
                mask ? 0 : draw.ShiftRows, mask ? 0 : draw.ShiftColumns);
        }
        var maskPlane = result.AsSpan((channels - 1) * plane, plane);
        for (int n = 0; n < plane; n++) maskPlane[n] = maskPlane[n] >= 0.5f ? 1f : 0f;
        for (int step = 0; step < Math.Abs(draw.MaskGrowPixels); step++)
        {
            var before = maskPlane.ToArray();
            Morph(before, maskPlane, size, grow: draw.MaskGrowPixels > 0);
            if (!maskPlane.ContainsAnyExcept(0f)) { before.CopyTo(maskPlane); break; }
        }
        return result;
    }

    /// <summary>
    /// A random predicted-mask error for a box of boxWidth x boxHeight voxels cut to size x size:
    /// the mask grown by -1, 0 or 1 voxel (the box with it) and the box moved by -1, 0 or 1 voxel per axis.
    /// </summary>
    public static JitterDraw Draw(int boxWidth, int boxHeight, int size, Random random)
    {
        ArgumentNullException.ThrowIfNull(random);
        if (boxWidth < 1 || boxHeight < 1 || size < 1) throw new ArgumentException("box and crop sizes must be positive");
        int grow = random.Next(-1, 2);
        int shiftI = random.Next(-1, 2), shiftJ = random.Next(-1, 2);
        return DrawOf(grow, shiftI, shiftJ, boxWidth, boxHeight, size);
    }

    /// <summary>
    /// Every draw <see cref="Draw"/> can make for such a box, each once (27, or 18 when the box is too small
    /// to shrink), the unjittered one first: test-time averaging over the mask errors training taught.
    /// </summary>
    public static IReadOnlyList<JitterDraw> AllDraws(int boxWidth, int boxHeight, int size)
    {
        if (boxWidth < 1 || boxHeight < 1 || size < 1) throw new ArgumentException("box and crop sizes must be positive");
        var draws = new List<JitterDraw> { DrawOf(0, 0, 0, boxWidth, boxHeight, size) };
        foreach (int grow in (int[])[0, -1, 1])
            foreach (int shiftI in (int[])[0, -1, 1])
                foreach (int shiftJ in (int[])[0, -1, 1])
                {
                    var draw = DrawOf(grow, shiftI, shiftJ, boxWidth, boxHeight, size);
                    if (!draws.Contains(draw)) draws.Add(draw);
                }
        return draws;
    }

    private static JitterDraw DrawOf(int grow, int shiftI, int shiftJ, int boxWidth, int boxHeight, int size)
    {
        // A box too small to shrink by a voxel on each side keeps its size.
        if (grow < 0 && Math.Min(boxWidth, boxHeight) <= 2) grow = 0;
        double grownWidth = boxWidth + 2 * grow, grownHeight = boxHeight + 2 * grow;
        return new JitterDraw(grownHeight / boxHeight, grownWidth / boxWidth,
            shiftJ * (double)size / boxHeight, shiftI * (double)size / boxWidth,
            (int)Math.Round(grow * 2.0 * size / (grownWidth + grownHeight), MidpointRounding.AwayFromZero));
    }

    private static void Resample(ReadOnlySpan<float> source, Span<float> target, int size, double zoomRows, double zoomColumns,
        double shiftRows, double shiftColumns)
    {
        double centre = (size - 1) / 2.0;
        for (int r = 0; r < size; r++)
        {
            double y = Math.Clamp(centre + zoomRows * (r - centre) + shiftRows, 0, size - 1);
            int y0 = (int)y, y1 = Math.Min(y0 + 1, size - 1);
            double fy = y - y0;
            for (int col = 0; col < size; col++)
            {
                double x = Math.Clamp(centre + zoomColumns * (col - centre) + shiftColumns, 0, size - 1);
                int x0 = (int)x, x1 = Math.Min(x0 + 1, size - 1);
                double fx = x - x0;
                double top = source[y0 * size + x0] * (1 - fx) + source[y0 * size + x1] * fx;
                double bottom = source[y1 * size + x0] * (1 - fx) + source[y1 * size + x1] * fx;
                target[r * size + col] = (float)(top * (1 - fy) + bottom * fy);
            }
        }
    }

    private static void Morph(float[] before, Span<float> mask, int size, bool grow)
    {
        for (int r = 0; r < size; r++)
            for (int c = 0; c < size; c++)
            {
                // Grow: set where a 4-neighbour is set; shrink: clear where a 4-neighbour is clear (beyond the edge counts as clear).
                bool any = false, all = true;
                foreach (var (dr, dc) in Neighbours)
                {
                    int rr = r + dr, cc = c + dc;
                    bool on = rr >= 0 && rr < size && cc >= 0 && cc < size && before[rr * size + cc] != 0;
                    any |= on;
                    all &= on;
                }
                bool self = before[r * size + c] != 0;
                mask[r * size + c] = (grow ? self || any : self && all) ? 1f : 0f;
            }
    }

    private static readonly (int, int)[] Neighbours = [(-1, 0), (1, 0), (0, -1), (0, 1)];
}
