using RenalGrpc.Imaging;

namespace RenalGrpc.Engine.Preprocessing;

/// <summary>First voxel and size, per tensor axis (z, y, x), of a box inside an image.</summary>
public sealed record CropBox(int[] Start, int[] Count)
{
    /// <summary>The voxels in both boxes; null when they do not overlap.</summary>
    public CropBox? Intersect(CropBox other)
    {
        var start = new int[3];
        var count = new int[3];
        for (int a = 0; a < 3; a++)
        {
            start[a] = Math.Max(Start[a], other.Start[a]);
            count[a] = Math.Min(Start[a] + Count[a], other.Start[a] + other.Count[a]) - start[a];
            if (count[a] <= 0) return null;
        }
        return new CropBox(start, count);
    }

    /// <summary>
    /// The box grown about its centre to at least <paramref name="minimum"/> voxels per axis, kept
    /// inside an image of <paramref name="shape"/> (an axis shorter than the minimum is taken whole):
    /// the network then sees real surroundings instead of padding.
    /// </summary>
    public CropBox GrownTo(int[] minimum, int[] shape)
    {
        var start = (int[])Start.Clone();
        var count = (int[])Count.Clone();
        for (int a = 0; a < 3; a++)
        {
            int wanted = Math.Min(shape[a], Math.Max(count[a], minimum[a]));
            if (wanted == count[a]) continue;
            int first = start[a] - (wanted - count[a]) / 2;
            start[a] = Math.Clamp(first, 0, shape[a] - wanted);
            count[a] = wanted;
        }
        return new CropBox(start, count);
    }
}

/// <summary>
/// Cropping the network input to the body, as nnU-Net crops to the non-zero region: after the
/// clip window, air, the fat around the patient and anything else below <see
/// cref="IntensityNormalization.ClipMin"/> are one and the same value, so the tiles there only
/// ever predict background. A 512 x 512 scan has a field of view of 35-50 cm and an abdomen is
/// about 35 x 25 cm: at 2.5 mm the body often fits one 128-voxel tile where the whole field
/// needs two, and the sliding window does half or a quarter of the work.
/// </summary>
/// <param name="MarginMm">Kept around the body on every side, so the network's border effects stay away from the skin.</param>
public sealed record BodyCrop(double MarginMm = 10)
{
    public void Validate()
    {
        if (!(MarginMm >= 0) || !double.IsFinite(MarginMm)) throw new ArgumentException($"body crop margin {MarginMm} mm must be finite and not negative");
    }

    /// <summary>The margin in voxels per tensor axis (z, y, x) of a grid with this spacing (i, j, k).</summary>
    public int[] MarginVoxels(Vec3 spacing) =>
        new[] { (int)Math.Ceiling(MarginMm / spacing[2] - 1e-9), (int)Math.Ceiling(MarginMm / spacing[1] - 1e-9), (int)Math.Ceiling(MarginMm / spacing[0] - 1e-9) };

    /// <summary>
    /// The bounding box of the voxels above <paramref name="floor"/> (the normalised clip minimum),
    /// grown by <paramref name="margin"/> and kept inside the image; null when no voxel is above it
    /// (nothing to crop to: the caller keeps the whole image).
    /// </summary>
    /// <param name="values">Normalised image, z slowest, x fastest.</param>
    /// <param name="shape">Image shape (z, y, x).</param>
    public static CropBox? Find(ReadOnlySpan<float> values, int[] shape, float floor, int[] margin)
    {
        if (values.Length != (long)shape[0] * shape[1] * shape[2]) throw new ArgumentException($"{values.Length} values for shape [{string.Join(", ", shape)}]");
        // Interpolating between voxels that all hold the floor can land an ulp above it.
        float threshold = floor + 1e-4f;
        int[] lo = { int.MaxValue, int.MaxValue, int.MaxValue }, hi = { -1, -1, -1 };
        int n = 0;
        for (int z = 0; z < shape[0]; z++)
        {
            for (int y = 0; y < shape[1]; y++)
            {
                int first = -1, last = -1;
                for (int x = 0; x < shape[2]; x++, n++)
                {
                    if (values[n] <= threshold) continue;
                    if (first < 0) first = x;
                    last = x;
                }
                if (first < 0) continue;
                lo[0] = Math.Min(lo[0], z); hi[0] = Math.Max(hi[0], z);
                lo[1] = Math.Min(lo[1], y); hi[1] = Math.Max(hi[1], y);
                lo[2] = Math.Min(lo[2], first); hi[2] = Math.Max(hi[2], last);
            }
        }
        if (hi[0] < 0) return null;
        var start = new int[3];
        var count = new int[3];
        for (int a = 0; a < 3; a++)
        {
            start[a] = Math.Max(0, lo[a] - margin[a]);
            count[a] = Math.Min(shape[a] - 1, hi[a] + margin[a]) - start[a] + 1;
        }
        return new CropBox(start, count);
    }

    /// <summary>The voxels of <paramref name="box"/> as a new array (z slowest, x fastest).</summary>
    public static float[] Extract(float[] values, int[] shape, CropBox box)
    {
        var result = new float[(long)box.Count[0] * box.Count[1] * box.Count[2]];
        int n = 0;
        for (int z = 0; z < box.Count[0]; z++)
        {
            for (int y = 0; y < box.Count[1]; y++, n += box.Count[2])
            {
                long from = ((long)(box.Start[0] + z) * shape[1] + box.Start[1] + y) * shape[2] + box.Start[2];
                Array.Copy(values, from, result, n, box.Count[2]);
            }
        }
        return result;
    }
}
