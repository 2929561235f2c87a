using System.Numerics;
using System.Runtime.InteropServices;

namespace RenalGrpc.Imaging.Dicom;

/// <summary>
/// Turns one decoded frame into output voxels: sign extension of narrow signed samples, then
/// the modality rescale (value = stored * slope + intercept) into int16 or float32.
/// </summary>
internal static class SampleConversion
{
    /// <summary>
    /// Writes rescaled int16 voxels. Returns false (and leaves <paramref name="destination"/>
    /// partly written) when a value falls outside int16, so the caller can switch to float32.
    /// Slope and intercept must be integers.
    /// </summary>
    public static bool ToInt16(ReadOnlySpan<byte> frame, long pixelStart, StoredSampleLayout layout, long slope, long intercept, Span<short> destination)
    {
        if (layout.BitsAllocated == 16)
        {
            var samples = MemoryMarshal.Cast<byte, short>(frame);
            return Int16FromShorts(samples, layout, slope, intercept, destination);
        }
        for (int n = 0; n < destination.Length; n++)
        {
            long value = StoredValue(frame, pixelStart + n, n, layout) * slope + intercept;
            if (value < short.MinValue || value > short.MaxValue) return false;
            destination[n] = (short)value;
        }
        return true;
    }

    public static void ToFloat32(ReadOnlySpan<byte> frame, long pixelStart, StoredSampleLayout layout, double slope, double intercept, Span<float> destination)
    {
        if (layout.BitsAllocated == 16 && !layout.NeedsSignExtension)
        {
            if (layout.Signed)
            {
                var s = MemoryMarshal.Cast<byte, short>(frame);
                for (int n = 0; n < destination.Length; n++) destination[n] = (float)(s[n] * slope + intercept);
            }
            else
            {
                var u = MemoryMarshal.Cast<byte, ushort>(frame);
                for (int n = 0; n < destination.Length; n++) destination[n] = (float)(u[n] * slope + intercept);
            }
            return;
        }
        for (int n = 0; n < destination.Length; n++)
            destination[n] = (float)(StoredValue(frame, pixelStart + n, n, layout) * slope + intercept);
    }

    /// <summary>Stored value of one pixel; <paramref name="bitIndex"/> counts from the start of the decoded buffer (1-bit data).</summary>
    private static long StoredValue(ReadOnlySpan<byte> frame, long bitIndex, int n, StoredSampleLayout layout)
    {
        switch (layout.BitsAllocated)
        {
            case 1:
                // Bit-packed, least significant bit first (PS3.5 8.1.1); frame is the whole buffer here.
                return (frame[(int)(bitIndex >> 3)] >> (int)(bitIndex & 7)) & 1;
            case 8:
                return layout.Signed ? SignExtend((sbyte)frame[n], layout) : frame[n];
            case 16:
            {
                ushort raw = MemoryMarshal.Read<ushort>(frame[(2 * n)..]);
                return layout.Signed ? SignExtend((short)raw, layout) : raw;
            }
            case 32:
            {
                uint raw = MemoryMarshal.Read<uint>(frame[(4 * n)..]);
                return layout.Signed ? SignExtend((int)raw, layout) : raw;
            }
            default:
                throw new InvalidOperationException($"unsupported bits allocated {layout.BitsAllocated}");
        }
    }

    private static long SignExtend(long value, StoredSampleLayout layout)
    {
        if (!layout.NeedsSignExtension) return value;
        int shift = 64 - (layout.HighBit + 1);
        return (value << shift) >> shift;
    }

    private static bool Int16FromShorts(ReadOnlySpan<short> samples, StoredSampleLayout layout, long slope, long intercept, Span<short> destination)
    {
        // Sign-extend from the high bit into the destination first, then work in place there.
        int shift = 15 - layout.HighBit;
        samples.CopyTo(destination);
        if (layout.NeedsSignExtension) SignExtendInPlace(destination, shift);

        var (min, max) = layout.Signed ? MinMaxSigned(destination) : MinMaxUnsigned(MemoryMarshal.Cast<short, ushort>(destination));
        long lo = min * slope + intercept, hi = max * slope + intercept;
        if (lo > hi) (lo, hi) = (hi, lo);
        if (lo < short.MinValue || hi > short.MaxValue) return false;
        if (slope == 1 && intercept == 0) return true;

        // Every result fits int16, so 16-bit wrapping arithmetic gives exact values
        // (they agree with the true ones modulo 2^16), for unsigned input as well.
        short s = unchecked((short)slope), c = unchecked((short)intercept);
        var slopeV = new Vector<short>(s);
        var interceptV = new Vector<short>(c);
        var values = MemoryMarshal.Cast<short, Vector<short>>(destination);
        for (int v = 0; v < values.Length; v++) values[v] = values[v] * slopeV + interceptV;
        for (int n = values.Length * Vector<short>.Count; n < destination.Length; n++)
            destination[n] = unchecked((short)(destination[n] * s + c));
        return true;
    }

    private static void SignExtendInPlace(Span<short> values, int shift)
    {
        var vectors = MemoryMarshal.Cast<short, Vector<short>>(values);
        for (int v = 0; v < vectors.Length; v++) vectors[v] = Vector.ShiftRightArithmetic(Vector.ShiftLeft(vectors[v], shift), shift);
        for (int n = vectors.Length * Vector<short>.Count; n < values.Length; n++) values[n] = (short)((short)(values[n] << shift) >> shift);
    }

    private static (long Min, long Max) MinMaxSigned(ReadOnlySpan<short> values)
    {
        var vectors = MemoryMarshal.Cast<short, Vector<short>>(values);
        var vmin = new Vector<short>(short.MaxValue);
        var vmax = new Vector<short>(short.MinValue);
        foreach (var v in vectors) { vmin = Vector.Min(vmin, v); vmax = Vector.Max(vmax, v); }
        long min = short.MaxValue, max = short.MinValue;
        for (int lane = 0; lane < Vector<short>.Count; lane++) { min = Math.Min(min, vmin[lane]); max = Math.Max(max, vmax[lane]); }
        for (int n = vectors.Length * Vector<short>.Count; n < values.Length; n++) { min = Math.Min(min, values[n]); max = Math.Max(max, values[n]); }
        return (min, max);
    }

    private static (long Min, long Max) MinMaxUnsigned(ReadOnlySpan<ushort> values)
    {
        var vectors = MemoryMarshal.Cast<ushort, Vector<ushort>>(values);
        var vmin = new Vector<ushort>(ushort.MaxValue);
        var vmax = new Vector<ushort>(ushort.MinValue);
        foreach (var v in vectors) { vmin = Vector.Min(vmin, v); vmax = Vector.Max(vmax, v); }
        long min = ushort.MaxValue, max = ushort.MinValue;
        for (int lane = 0; lane < Vector<ushort>.Count; lane++) { min = Math.Min(min, vmin[lane]); max = Math.Max(max, vmax[lane]); }
        for (int n = vectors.Length * Vector<ushort>.Count; n < values.Length; n++) { min = Math.Min(min, values[n]); max = Math.Max(max, values[n]); }
        return (min, max);
    }
}
