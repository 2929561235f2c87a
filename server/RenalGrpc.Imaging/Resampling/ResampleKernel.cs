using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace RenalGrpc.Imaging.Resampling;

/// <summary>
/// Typed inner loops. Generic over the voxel type so the JIT emits one specialised loop per type
/// (no per-voxel conversion dispatch); target k slices run in parallel; nothing is allocated
/// per voxel. Source reads go through unchecked refs because every index is clamped first.
/// </summary>
internal static class ResampleKernel
{
    public static void Run<T>(byte[] sourceBuffer, GridSize sourceSize, byte[] targetBuffer, GridSize targetSize,
        IndexMapping mapping, Interpolation interpolation, SourceBounds bounds, double outsideValue)
        where T : unmanaged, INumberBase<T>
    {
        var limits = new SourceLimits(sourceSize, bounds);
        T outside = FromDouble<T>(outsideValue);
        Parallel.For(0, targetSize.K, k =>
        {
            ReadOnlySpan<T> source = MemoryMarshal.Cast<byte, T>(sourceBuffer.AsSpan());
            Span<T> target = MemoryMarshal.Cast<byte, T>(targetBuffer.AsSpan());
            int rowLength = targetSize.I;
            for (int j = 0; j < targetSize.J; j++)
            {
                var row = target.Slice(((k * targetSize.J) + j) * rowLength, rowLength);
                var start = mapping.Offset + mapping.StepJ * j + mapping.StepK * k;
                if (interpolation == Interpolation.Linear && mapping.StepI.Y == 0 && mapping.StepI.Z == 0)
                    LinearRowAlongI(source, sourceSize, limits, row, start, mapping.StepI.X, outside);
                else if (interpolation == Interpolation.Linear)
                    LinearRow(source, sourceSize, limits, row, start, mapping.StepI, outside);
                else
                    NearestRow(source, sourceSize, limits, row, start, mapping.StepI, outside);
            }
        });
    }

    private static void LinearRow<T>(ReadOnlySpan<T> source, GridSize size, in SourceLimits limits, Span<T> row,
        Vec3 start, Vec3 step, T outside) where T : unmanaged, INumberBase<T>
    {
        ref T s = ref MemoryMarshal.GetReference(source);
        int strideJ = size.I, strideK = size.I * size.J;
        // A one-voxel axis has no second neighbour: reading the same voxel twice keeps the formula uniform.
        int nextI = size.I > 1 ? 1 : 0, nextJ = size.J > 1 ? strideJ : 0, nextK = size.K > 1 ? strideK : 0;
        double x = start.X, y = start.Y, z = start.Z;
        double dx = step.X, dy = step.Y, dz = step.Z;
        for (int i = 0; i < row.Length; i++, x += dx, y += dy, z += dz)
        {
            if (!limits.Contains(x, y, z))
            {
                row[i] = outside;
                continue;
            }
            double cx = x < 0 ? 0 : (x > limits.MaxX ? limits.MaxX : x);
            double cy = y < 0 ? 0 : (y > limits.MaxY ? limits.MaxY : y);
            double cz = z < 0 ? 0 : (z > limits.MaxZ ? limits.MaxZ : z);
            int x0 = Math.Min((int)cx, limits.LastBaseX);
            int y0 = Math.Min((int)cy, limits.LastBaseY);
            int z0 = Math.Min((int)cz, limits.LastBaseZ);
            double fx = cx - x0, fy = cy - y0, fz = cz - z0;
            int b = z0 * strideK + y0 * strideJ + x0;
            double c00 = Lerp(Read(ref s, b), Read(ref s, b + nextI), fx);
            double c10 = Lerp(Read(ref s, b + nextJ), Read(ref s, b + nextJ + nextI), fx);
            double c01 = Lerp(Read(ref s, b + nextK), Read(ref s, b + nextK + nextI), fx);
            double c11 = Lerp(Read(ref s, b + nextK + nextJ), Read(ref s, b + nextK + nextJ + nextI), fx);
            row[i] = FromDouble<T>(Lerp(Lerp(c00, c10, fy), Lerp(c01, c11, fy), fz));
        }
    }

    /// <summary>
    /// Fast path when the target row runs along the source's i axis (axis-aligned grids, the usual
    /// case): j, k and their weights are fixed for the whole row, so each voxel only moves along i.
    /// </summary>
    private static void LinearRowAlongI<T>(ReadOnlySpan<T> source, GridSize size, in SourceLimits limits, Span<T> row,
        Vec3 start, double dx, T outside) where T : unmanaged, INumberBase<T>
    {
        double y = start.Y, z = start.Z;
        if (!(y >= limits.LowY && y <= limits.HighY && z >= limits.LowZ && z <= limits.HighZ))
        {
            row.Fill(outside);
            return;
        }
        int strideJ = size.I, strideK = size.I * size.J;
        int nextI = size.I > 1 ? 1 : 0, nextJ = size.J > 1 ? strideJ : 0, nextK = size.K > 1 ? strideK : 0;
        double cy = y < 0 ? 0 : (y > limits.MaxY ? limits.MaxY : y);
        double cz = z < 0 ? 0 : (z > limits.MaxZ ? limits.MaxZ : z);
        int y0 = Math.Min((int)cy, limits.LastBaseY), z0 = Math.Min((int)cz, limits.LastBaseZ);
        double fy = cy - y0, fz = cz - z0;
        ref T r00 = ref Unsafe.Add(ref MemoryMarshal.GetReference(source), z0 * strideK + y0 * strideJ);
        ref T r10 = ref Unsafe.Add(ref r00, nextJ);
        ref T r01 = ref Unsafe.Add(ref r00, nextK);
        ref T r11 = ref Unsafe.Add(ref r00, nextK + nextJ);
        double x = start.X;
        for (int i = 0; i < row.Length; i++, x += dx)
        {
            if (!(x >= limits.LowX && x <= limits.HighX))
            {
                row[i] = outside;
                continue;
            }
            double cx = x < 0 ? 0 : (x > limits.MaxX ? limits.MaxX : x);
            int x0 = Math.Min((int)cx, limits.LastBaseX);
            double fx = cx - x0;
            int x1 = x0 + nextI;
            double c00 = Lerp(Read(ref r00, x0), Read(ref r00, x1), fx);
            double c10 = Lerp(Read(ref r10, x0), Read(ref r10, x1), fx);
            double c01 = Lerp(Read(ref r01, x0), Read(ref r01, x1), fx);
            double c11 = Lerp(Read(ref r11, x0), Read(ref r11, x1), fx);
            row[i] = FromDouble<T>(Lerp(Lerp(c00, c10, fy), Lerp(c01, c11, fy), fz));
        }
    }

    private static void NearestRow<T>(ReadOnlySpan<T> source, GridSize size, in SourceLimits limits, Span<T> row,
        Vec3 start, Vec3 step, T outside) where T : unmanaged, INumberBase<T>
    {
        ref T s = ref MemoryMarshal.GetReference(source);
        int strideJ = size.I, strideK = size.I * size.J;
        double x = start.X, y = start.Y, z = start.Z;
        double dx = step.X, dy = step.Y, dz = step.Z;
        for (int i = 0; i < row.Length; i++, x += dx, y += dy, z += dz)
        {
            if (!limits.Contains(x, y, z))
            {
                row[i] = outside;
                continue;
            }
            // floor(x + 0.5) as scipy order=0; after clamping to >= 0 a truncating cast is floor.
            int xi = Math.Min((int)((x < 0 ? 0 : x) + 0.5), size.I - 1);
            int yi = Math.Min((int)((y < 0 ? 0 : y) + 0.5), size.J - 1);
            int zi = Math.Min((int)((z < 0 ? 0 : z) + 0.5), size.K - 1);
            row[i] = Unsafe.Add(ref s, zi * strideK + yi * strideJ + xi);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static double Read<T>(ref T s, int index) where T : unmanaged, INumberBase<T> =>
        double.CreateTruncating(Unsafe.Add(ref s, index));

    // a + f (b - a) rather than (1 - f) a + f b: exact when f == 0, so identity resampling is lossless.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static double Lerp(double a, double b, double f) => a + f * (b - a);

    /// <summary>Float stays float; integer types round half away from zero (as scipy) and saturate.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T FromDouble<T>(double value) where T : unmanaged, INumberBase<T> =>
        typeof(T) == typeof(float)
            ? T.CreateTruncating(value)
            : T.CreateSaturating(Math.Round(value, MidpointRounding.AwayFromZero));
}
