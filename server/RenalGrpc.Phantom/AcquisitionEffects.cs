namespace RenalGrpc.Phantom;

/// <summary>Partial volume, correlated noise and integer storage of a rendered HU field.</summary>
internal static class AcquisitionEffects
{
    // Separable [1/4, 1/2, 1/4] kernel on each axis: about one voxel of blur (sigma ~0.7 voxel).
    private const float Side = 0.25f, Middle = 0.5f;

    // The kernel keeps sqrt(sum w^2) = sqrt(0.375) of white noise's sd per axis.
    private static readonly double NoiseKept = Math.Pow(0.375, 1.5);

    /// <summary>
    /// Adds white noise, then blurs: the one blur models partial volume and turns the noise into
    /// spatially correlated CT-like noise with sd <paramref name="noiseSd"/> after blurring.
    /// </summary>
    public static void AddCorrelatedNoiseAndPartialVolume(float[] hu, Imaging.GridSize size, ulong seed, double noiseSd, int maxParallelism)
    {
        float scale = (float)(noiseSd / NoiseKept);
        var parallel = new ParallelOptions { MaxDegreeOfParallelism = maxParallelism };
        long plane = (long)size.I * size.J;
        Parallel.For(0, size.K, parallel, k =>
        {
            long start = k * plane;
            for (long n = start; n < start + plane; n++) hu[n] += scale * SeededRandom.VoxelGaussian(seed, n);
            var slice = hu.AsSpan((int)start, (int)plane);
            Span<float> line = stackalloc float[Math.Max(size.I, size.J)];
            for (int j = 0; j < size.J; j++) BlurLine(slice.Slice(j * size.I, size.I));
            for (int i = 0; i < size.I; i++) BlurStrided(slice, i, size.I, size.J, line);
        });
        // Along k, one (i, j) column at a time, parallel over rows j.
        Parallel.For(0, size.J, parallel, j =>
        {
            var column = new float[size.K];
            for (int i = 0; i < size.I; i++)
            {
                long at = (long)j * size.I + i;
                for (int k = 0; k < size.K; k++) column[k] = hu[at + k * plane];
                BlurLine(column);
                for (int k = 0; k < size.K; k++) hu[at + k * plane] = column[k];
            }
        });
    }

    private static void BlurStrided(Span<float> slice, int i, int stride, int count, Span<float> line)
    {
        for (int j = 0; j < count; j++) line[j] = slice[j * stride + i];
        var values = line[..count];
        float previous = values[0];
        for (int j = 0; j < count; j++)
        {
            float current = values[j];
            float next = j + 1 < count ? values[j + 1] : current;
            slice[j * stride + i] = Side * previous + Middle * current + Side * next;
            previous = current;
        }
    }

    /// <summary>In-place 3-tap blur with edge values repeated.</summary>
    private static void BlurLine(Span<float> values)
    {
        int count = values.Length;
        float previous = values[0];
        for (int n = 0; n < count; n++)
        {
            float current = values[n];
            float next = n + 1 < count ? values[n + 1] : current;
            values[n] = Side * previous + Middle * current + Side * next;
            previous = current;
        }
    }

    /// <summary>Rounded to whole HU and clipped to the int16 CT range [-1024, 3071].</summary>
    public static void ToInt16(float[] hu, Span<short> result)
    {
        for (int n = 0; n < hu.Length; n++)
            result[n] = (short)Math.Clamp(MathF.Round(hu[n]), -1024f, 3071f);
    }
}
