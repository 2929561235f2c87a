using RenalGrpc.Engine.Preprocessing;
using RenalGrpc.Imaging;

namespace RenalGrpc.Engine.Classification;

/// <summary>
/// How the classifier's 2-D lesion crops are cut (stored in the checkpoint so training and
/// inference cut them the same way): the lesion's in-slice bounding box grown by
/// <see cref="MarginMm"/> on every side, stretched to <see cref="Size"/> x <see cref="Size"/>.
/// </summary>
public sealed record CropOptions
{
    /// <summary>Side of the square crop in pixels (the paper used 224 for an ImageNet ResNet; 64 suits a small CPU network).</summary>
    public int Size { get; init; } = 64;

    /// <summary>Context around the lesion's bounding box, in mm (converted per axis with the grid's spacing).</summary>
    public double MarginMm { get; init; } = 5;

    /// <summary>
    /// Test-time flips: the softmax is also averaged over every crop flipped along rows, columns and
    /// both (the classifier is trained with those flips, and a lesion has no preferred orientation).
    /// Off in checkpoints written before it existed, so they keep their results.
    /// </summary>
    public bool FlipAverage { get; init; }

    /// <summary>
    /// Test-time crop jitter: the softmax is also averaged over the crop with its mask grown or shrunk by
    /// a voxel and its box moved by a voxel on each axis, every combination once (<see cref="CropJitter.AllDraws"/>),
    /// the errors a predicted mask makes and that classifiers trained with crop jitter saw. Why: on a
    /// lesion a few voxels wide one voxel of mask is a different 64 x 64 framing, so one crop is one
    /// draw of that noise. Off in checkpoints written before it existed, so they keep their results.
    /// </summary>
    public bool JitterAverage { get; init; }

    /// <summary>
    /// Slice averaging: 0 classifies the largest lesion slice only (the paper's choice); a share in
    /// (0, 1] also classifies every other axial slice whose lesion area is at least that share of the
    /// largest one, and averages the softmax over those slices. Why: on 5 mm slices the largest slice
    /// of a small lesion is one noisy 2-D view, and its neighbours show the same lesion. Off (0) in
    /// checkpoints written before it existed, so they keep their results.
    /// </summary>
    public double SliceAverageShare { get; init; }

    public void Validate()
    {
        if (Size < 1) throw new ArgumentException($"crop size must be at least 1 pixel, got {Size}");
        if (!(SliceAverageShare >= 0 && SliceAverageShare <= 1)) throw new ArgumentException($"slice average share {SliceAverageShare} must be in 0..1 (0 = largest slice only)");
        if (!(MarginMm >= 0) || !double.IsFinite(MarginMm)) throw new ArgumentException($"crop margin {MarginMm} mm must be finite and not negative");
    }
}

/// <summary>In-slice pixel box, inclusive at both ends: i0..i1 by j0..j1 on slice k.</summary>
public readonly record struct SliceBox(int K, int I0, int J0, int I1, int J1)
{
    public int Width => I1 - I0 + 1;
    public int Height => J1 - J0 + 1;
}

/// <summary>
/// One crop: Size x Size row-major float arrays (row = j, column = i, i.e. an H x W tensor with
/// H along j), the normalised image and the 0/1 lesion mask, and where they were cut.
/// </summary>
public sealed record LesionCrop(int Size, SliceBox Box, long LesionArea, float[] Image, float[] Mask);

/// <summary>
/// Cuts the classifier's input from a phase image: the axial slice with the largest lesion area,
/// the lesion's bounding box there plus a margin, resized bilinearly to a square. Pure functions on
/// arrays (no TorchSharp), shared by training and inference so both see identical crops.
/// </summary>
public static class LesionCrops
{
    /// <summary>
    /// The crop of a lesion (mask: nonzero = lesion, i fastest, on the image's grid), or null when
    /// the mask is empty. Image values are HU; they are clipped and z-scored with
    /// <paramref name="normalization"/> before interpolation (as <see cref="PhasePreprocessor"/> does).
    /// </summary>
    public static LesionCrop? Crop(Volume image, ReadOnlySpan<byte> lesionMask, CropOptions options, IntensityNormalization normalization)
    {
        ArgumentNullException.ThrowIfNull(image);
        var (k, _) = LargestSlice(lesionMask, image.Size);
        return k < 0 ? null : CropSlice(image, lesionMask, k, options, normalization);
    }

    /// <summary>
    /// The axial slice k with the most lesion voxels and that count; (-1, 0) for an empty mask.
    /// Ties go to the lowest k, so the choice is deterministic.
    /// </summary>
    public static (int K, long Area) LargestSlice(ReadOnlySpan<byte> lesionMask, GridSize size)
    {
        var areas = SliceAreas(lesionMask, size);
        int best = -1;
        long bestArea = 0;
        for (int k = 0; k < areas.Length; k++)
            if (areas[k] > bestArea) { bestArea = areas[k]; best = k; }
        return (best, bestArea);
    }

    /// <summary>The lesion's voxel count on every axial slice k (element k).</summary>
    public static long[] SliceAreas(ReadOnlySpan<byte> lesionMask, GridSize size)
    {
        CheckLength(lesionMask, size);
        int sliceLength = size.I * size.J;
        var areas = new long[size.K];
        for (int k = 0; k < size.K; k++) areas[k] = sliceLength - lesionMask.Slice(k * sliceLength, sliceLength).Count((byte)0);
        return areas;
    }

    /// <summary>
    /// The slices a classification averages over, largest first (ties to the lowest k): the largest
    /// slice, plus with a share in (0, 1] every slice whose area is at least share x the largest.
    /// areas[n] is slice firstK + n's lesion area. Empty when every area is 0.
    /// </summary>
    public static int[] SlicesToClassify(ReadOnlySpan<long> areas, int firstK, double share)
    {
        int best = -1;
        for (int n = 0; n < areas.Length; n++) if (areas[n] > 0 && (best < 0 || areas[n] > areas[best])) best = n;
        if (best < 0) return [];
        var chosen = new List<int> { firstK + best };
        if (share > 0)
            for (int n = 0; n < areas.Length; n++)
                if (n != best && areas[n] > 0 && areas[n] >= share * areas[best]) chosen.Add(firstK + n);
        return [.. chosen];
    }

    /// <summary>
    /// Bounding box of the lesion on slice k grown by marginMm (per axis: ceil(margin / spacing)
    /// pixels) and clamped to the grid; null when the slice holds no lesion voxel.
    /// </summary>
    public static SliceBox? BoxOnSlice(ReadOnlySpan<byte> lesionMask, Geometry geometry, int k, double marginMm)
    {
        var size = geometry.Size;
        CheckLength(lesionMask, size);
        if ((uint)k >= (uint)size.K) throw new ArgumentOutOfRangeException(nameof(k), k, $"slice must be in 0..{size.K - 1}");
        return BoxInSlice(SliceOf(lesionMask, size, k), geometry, k, marginMm);
    }

    /// <summary><see cref="BoxOnSlice"/> given only slice k's mask (I x J, i fastest).</summary>
    public static SliceBox? BoxInSlice(ReadOnlySpan<byte> sliceMask, Geometry geometry, int k, double marginMm)
    {
        var size = geometry.Size;
        if (sliceMask.Length != size.I * size.J)
            throw new ArgumentException($"slice mask holds {sliceMask.Length} pixels, a {size.I}x{size.J} slice needs {size.I * size.J}");
        int i0 = int.MaxValue, j0 = int.MaxValue, i1 = -1, j1 = -1;
        for (int j = 0; j < size.J; j++)
        {
            var row = sliceMask.Slice(j * size.I, size.I);
            int first = row.IndexOfAnyExcept((byte)0);
            if (first < 0) continue;
            int last = row.LastIndexOfAnyExcept((byte)0);
            i0 = Math.Min(i0, first);
            i1 = Math.Max(i1, last);
            j0 = Math.Min(j0, j);
            j1 = j;
        }
        if (i1 < 0) return null;
        int marginI = (int)Math.Ceiling(marginMm / geometry.Spacing.X - 1e-9);
        int marginJ = (int)Math.Ceiling(marginMm / geometry.Spacing.Y - 1e-9);
        return new SliceBox(k, Math.Max(0, i0 - marginI), Math.Max(0, j0 - marginJ),
            Math.Min(size.I - 1, i1 + marginI), Math.Min(size.J - 1, j1 + marginJ));
    }

    /// <summary>The crop on a given slice (e.g. one chosen on another phase); null when that slice holds no lesion voxel.</summary>
    public static LesionCrop? CropSlice(Volume image, ReadOnlySpan<byte> lesionMask, int k, CropOptions options, IntensityNormalization normalization)
    {
        ArgumentNullException.ThrowIfNull(image);
        CheckLength(lesionMask, image.Size);
        if ((uint)k >= (uint)image.Size.K) throw new ArgumentOutOfRangeException(nameof(k), k, $"slice must be in 0..{image.Size.K - 1}");
        return CropInSlice(image, SliceOf(lesionMask, image.Size, k), k, options, normalization);
    }

    /// <summary><see cref="CropSlice"/> given only slice k's mask (I x J, i fastest): a lesion kept as runs needs no whole-grid mask.</summary>
    public static LesionCrop? CropInSlice(Volume image, ReadOnlySpan<byte> sliceMask, int k, CropOptions options, IntensityNormalization normalization)
    {
        ArgumentNullException.ThrowIfNull(image);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(normalization);
        options.Validate();
        var box = BoxInSlice(sliceMask, image.Geometry, k, options.MarginMm);
        if (box is not { } b) return null;

        var size = image.Size;
        int w = b.Width, h = b.Height;
        var pixels = new float[w * h];
        var mask = new float[w * h];
        long area = 0;
        for (int j = 0; j < h; j++)
        {
            for (int i = 0; i < w; i++)
            {
                long at = size.Index(b.I0 + i, b.J0 + j, k);
                pixels[j * w + i] = normalization.Apply(image.GetFloat(at));
                if (sliceMask[(b.J0 + j) * size.I + b.I0 + i] != 0) { mask[j * w + i] = 1; area++; }
            }
        }
        var resizedMask = ResizeBilinear(mask, w, h, options.Size);
        for (int n = 0; n < resizedMask.Length; n++) resizedMask[n] = resizedMask[n] >= 0.5f ? 1f : 0f;
        return new LesionCrop(options.Size, b, area, ResizeBilinear(pixels, w, h, options.Size), resizedMask);
    }

    private static ReadOnlySpan<byte> SliceOf(ReadOnlySpan<byte> mask, GridSize size, int k) =>
        mask.Slice(k * size.I * size.J, size.I * size.J);

    /// <summary>
    /// Stretches a w x h row-major image to size x size with bilinear interpolation between pixel
    /// centres (align_corners = false, edges repeated), i.e. what torch's interpolate(bilinear) does.
    /// </summary>
    public static float[] ResizeBilinear(ReadOnlySpan<float> source, int width, int height, int size)
    {
        if (width < 1 || height < 1 || size < 1) throw new ArgumentException("sizes must be positive");
        if (source.Length != width * height) throw new ArgumentException($"{source.Length} pixels given for {width} x {height}");
        var result = new float[size * size];
        var (x0, x1, fx) = Taps(width, size);
        var (y0, y1, fy) = Taps(height, size);
        for (int v = 0; v < size; v++)
        {
            for (int u = 0; u < size; u++)
            {
                float top = source[y0[v] * width + x0[u]] * (1 - fx[u]) + source[y0[v] * width + x1[u]] * fx[u];
                float bottom = source[y1[v] * width + x0[u]] * (1 - fx[u]) + source[y1[v] * width + x1[u]] * fx[u];
                result[v * size + u] = top * (1 - fy[v]) + bottom * fy[v];
            }
        }
        return result;
    }

    /// <summary>Per output pixel: the two source pixels around its centre and the weight of the second.</summary>
    private static (int[] Lower, int[] Upper, float[] Fraction) Taps(int sourceLength, int size)
    {
        var lower = new int[size];
        var upper = new int[size];
        var fraction = new float[size];
        double scale = (double)sourceLength / size;
        for (int n = 0; n < size; n++)
        {
            double x = Math.Clamp((n + 0.5) * scale - 0.5, 0, sourceLength - 1);
            int x0 = (int)Math.Floor(x);
            lower[n] = x0;
            upper[n] = Math.Min(x0 + 1, sourceLength - 1);
            fraction[n] = (float)(x - x0);
        }
        return (lower, upper, fraction);
    }

    private static void CheckLength(ReadOnlySpan<byte> mask, GridSize size)
    {
        if (mask.Length != size.VoxelCount)
            throw new ArgumentException($"lesion mask holds {mask.Length} voxels, the grid {size} needs {size.VoxelCount}");
    }
}
