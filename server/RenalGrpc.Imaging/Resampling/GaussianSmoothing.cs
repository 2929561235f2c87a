namespace RenalGrpc.Imaging.Resampling;

/// <summary>
/// Separable Gaussian smoothing of a float volume (i fastest), as scipy.ndimage.gaussian_filter with
/// mode='nearest' and truncate=4 computes it, and the anti-aliasing rule for downsampling. Why:
/// resampling a fine scan (0.75 mm) to a coarse model grid (2.5 mm) by interpolation reads a few
/// fine voxels per coarse voxel and keeps almost all of their noise; averaging over the coarse
/// voxel's footprint first, as a thicker reconstruction would, keeps the signal and drops the noise.
/// </summary>
public static class GaussianSmoothing
{
    /// <summary>scipy.ndimage's default: the kernel reaches 4 sd.</summary>
    public const double Truncate = 4.0;

    /// <summary>
    /// Per axis (i, j, k), the sd in source voxels that anti-aliases a resampling from
    /// <paramref name="sourceSpacing"/> to <paramref name="targetSpacing"/>: (factor - 1) / 2 where the
    /// target is coarser by that factor, 0 where it is not (skimage.transform.resize's rule).
    /// </summary>
    public static Vec3 AntiAliasingSigma(Vec3 sourceSpacing, Vec3 targetSpacing)
    {
        Span<double> sigma = stackalloc double[3];
        for (int a = 0; a < 3; a++)
        {
            if (!(sourceSpacing[a] > 0) || !(targetSpacing[a] > 0) || !double.IsFinite(sourceSpacing[a]) || !double.IsFinite(targetSpacing[a]))
                throw new ImagingException($"spacings {sourceSpacing} and {targetSpacing} must be finite and positive");
            sigma[a] = Math.Max(0, (targetSpacing[a] / sourceSpacing[a] - 1) / 2);
        }
        return new Vec3(sigma[0], sigma[1], sigma[2]);
    }

    /// <summary>The normalised kernel for one sd (in voxels): 2r + 1 weights, r = floor(4 sd + 0.5); sd 0 gives [1].</summary>
    public static double[] Kernel(double sigma)
    {
        if (!(sigma >= 0) || !double.IsFinite(sigma))
            throw new ImagingException($"smoothing sd {sigma} must be finite and not negative");
        int radius = (int)(Truncate * sigma + 0.5);
        var weights = new double[2 * radius + 1];
        if (radius == 0)
        {
            weights[0] = 1;
            return weights;
        }
        double sum = 0;
        for (int x = -radius; x <= radius; x++)
        {
            weights[x + radius] = Math.Exp(-0.5 * x * x / (sigma * sigma));
            sum += weights[x + radius];
        }
        for (int n = 0; n < weights.Length; n++) weights[n] /= sum;
        return weights;
    }

    /// <summary>
    /// Smooths <paramref name="values"/> (a <paramref name="size"/> grid, i fastest) in place with sd
    /// <paramref name="sigmaVoxels"/> per axis (i, j, k); edge voxels are repeated beyond the grid. Axes with
    /// a one-weight kernel are skipped, so sd 0 everywhere leaves the values untouched.
    /// </summary>
    public static void SmoothInPlace(float[] values, GridSize size, Vec3 sigmaVoxels, int maxParallelism = -1)
    {
        ArgumentNullException.ThrowIfNull(values);
        if (values.LongLength != size.VoxelCount)
            throw new ImagingException($"{values.LongLength} values do not fill a {size} grid");
        var parallel = new ParallelOptions { MaxDegreeOfParallelism = maxParallelism };
        int row = size.I;
        long plane = (long)size.I * size.J;
        var alongI = Kernel(sigmaVoxels[0]);
        if (alongI.Length > 1 && size.I > 1)
        {
            Parallel.For(0, size.K, parallel, () => new float[row], (k, _, line) =>
            {
                for (int j = 0; j < size.J; j++)
                {
                    var target = values.AsSpan((int)(k * plane + (long)j * row), row);
                    target.CopyTo(line);
                    SmoothLine(line, target, alongI);
                }
                return line;
            }, _ => { });
        }
        // Along j and k whole rows of i are weighted and summed: contiguous reads instead of a strided gather per voxel.
        var alongJ = Kernel(sigmaVoxels[1]);
        if (alongJ.Length > 1 && size.J > 1)
        {
            Parallel.For(0, size.K, parallel, () => new float[plane], (k, _, copy) =>
            {
                var slab = values.AsSpan((int)(k * plane), (int)plane);
                slab.CopyTo(copy);
                for (int j = 0; j < size.J; j++)
                    WeightedRows(copy, row, size.J, j, alongJ, slab.Slice(j * row, row));
                return copy;
            }, _ => { });
        }
        var alongK = Kernel(sigmaVoxels[2]);
        if (alongK.Length > 1 && size.K > 1)
        {
            Parallel.For(0, size.J, parallel, () => new float[(long)size.K * row], (j, _, column) =>
            {
                for (int k = 0; k < size.K; k++)
                    values.AsSpan((int)(k * plane + (long)j * row), row).CopyTo(column.AsSpan(k * row, row));
                for (int k = 0; k < size.K; k++)
                    WeightedRows(column, row, size.K, k, alongK, values.AsSpan((int)(k * plane + (long)j * row), row));
                return column;
            }, _ => { });
        }
    }

    /// <summary>Row <paramref name="at"/> of <paramref name="count"/> rows in <paramref name="rows"/>, smoothed across rows (edge rows repeated), into <paramref name="output"/>.</summary>
    private static void WeightedRows(float[] rows, int rowLength, int count, int at, double[] kernel, Span<float> output)
    {
        int radius = kernel.Length / 2;
        output.Clear();
        for (int t = 0; t < kernel.Length; t++)
        {
            int source = Math.Clamp(at - radius + t, 0, count - 1);
            AddScaled(output, rows.AsSpan(source * rowLength, rowLength), (float)kernel[t]);
        }
    }

    private static void AddScaled(Span<float> sum, ReadOnlySpan<float> row, float weight)
    {
        int n = 0;
        if (System.Numerics.Vector.IsHardwareAccelerated)
        {
            var w = new System.Numerics.Vector<float>(weight);
            int width = System.Numerics.Vector<float>.Count;
            for (; n <= row.Length - width; n += width)
                (new System.Numerics.Vector<float>(sum.Slice(n)) + w * new System.Numerics.Vector<float>(row.Slice(n))).CopyTo(sum.Slice(n));
        }
        for (; n < row.Length; n++) sum[n] += weight * row[n];
    }

    private static void SmoothLine(ReadOnlySpan<float> line, Span<float> output, double[] kernel)
    {
        int radius = kernel.Length / 2, last = line.Length - 1;
        for (int n = 0; n < line.Length; n++)
        {
            double sum = 0;
            if (n >= radius && n + radius <= last)
            {
                for (int t = 0; t < kernel.Length; t++) sum += kernel[t] * line[n - radius + t];
            }
            else
            {
                for (int t = 0; t < kernel.Length; t++) sum += kernel[t] * line[Math.Clamp(n - radius + t, 0, last)];
            }
            output[n] = (float)sum;
        }
    }
}
