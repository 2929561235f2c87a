namespace RenalGrpc.Training.Classification;

/// <summary>
/// Training-time stand-in for a predicted mask: the crop's box follows the mask, so a mask a voxel
/// larger or smaller, or off by a voxel, frames the lesion zoomed or shifted, and its edge moves.
/// Pure functions on a channels x size x size stack (the last channel is the 0/1 mask).
/// </summary>
public static class CropJitter
{
    /// <summary>
    /// Every channel resampled bilinearly (edges repeated) through output pixel -> centre +
    /// zoom * (pixel - centre) + shift, so zoom above 1 shows more context; the mask is thresholded at
    /// 0.5 again and then grown (maskGrow 1) or shrunk (-1) by one pixel (4-neighbourhood), or kept (0).
    /// </summary>
    public static float[] Apply(ReadOnlySpan<float> stack, int size, double zoom, double shiftRows, double shiftColumns, int maskGrow)
    {
        if (size < 1 || stack.Length % (size * size) != 0) throw new ArgumentException($"{stack.Length} values do not make {size} x {size} channels");
        if (!(zoom > 0) || !double.IsFinite(zoom)) throw new ArgumentException($"zoom must be positive, got {zoom}");
        if (maskGrow is < -1 or > 1) throw new ArgumentException($"the mask grows by -1, 0 or 1 pixel, got {maskGrow}");
        int plane = size * size, channels = stack.Length / plane;
        var result = new float[stack.Length];
        double centre = (size - 1) / 2.0;
        for (int c = 0; c < channels; c++)
        {
            var source = stack.Slice(c * plane, plane);
            for (int r = 0; r < size; r++)
            {
                double y = Math.Clamp(centre + zoom * (r - centre) + shiftRows, 0, size - 1);
                int y0 = (int)y, y1 = Math.Min(y0 + 1, size - 1);
                double fy = y - y0;
                for (int col = 0; col < size; col++)
                {
                    double x = Math.Clamp(centre + zoom * (col - centre) + shiftColumns, 0, size - 1);
                    int x0 = (int)x, x1 = Math.Min(x0 + 1, size - 1);
                    double fx = x - x0;
                    double top = source[y0 * size + x0] * (1 - fx) + source[y0 * size + x1] * fx;
                    double bottom = source[y1 * size + x0] * (1 - fx) + source[y1 * size + x1] * fx;
                    result[c * plane + r * size + col] = (float)(top * (1 - fy) + bottom * fy);
                }
            }
        }
        var mask = result.AsSpan((channels - 1) * plane, plane);
        for (int n = 0; n < plane; n++) mask[n] = mask[n] >= 0.5f ? 1f : 0f;
        if (maskGrow != 0) Morph(mask, size, grow: maskGrow > 0);
        return result;
    }

    /// <summary>Random parameters for <see cref="Apply"/>: zoom 0.85-1.15, shifts up to size/16, grow -1/0/1.</summary>
    public static float[] Random(ReadOnlySpan<float> stack, int size, Random random) =>
        Apply(stack, size, 0.85 + 0.3 * random.NextDouble(), (random.NextDouble() * 2 - 1) * size / 16.0,
            (random.NextDouble() * 2 - 1) * size / 16.0, random.Next(-1, 2));

    private static void Morph(Span<float> mask, int size, bool grow)
    {
        var before = mask.ToArray();
        for (int r = 0; r < size; r++)
            for (int c = 0; c < size; c++)
            {
                // Grow: set where any 4-neighbour is set; shrink: clear where any 4-neighbour is clear (edges count as outside).
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
