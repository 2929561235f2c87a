using System.Buffers.Binary;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace RenalGrpc.Imaging.Nifti;

/// <summary>scl_slope / scl_inter as they apply to the stored values.</summary>
internal readonly record struct NiftiScaling(double Slope, double Inter)
{
    public bool IsIdentity => Slope == 1 && Inter == 0;

    /// <summary>
    /// The spec's rule: a slope of 0 means "no scaling"; we (like nibabel) also ignore a non-finite
    /// slope, and refuse a valid slope with a non-finite intercept because no value would be right.
    /// </summary>
    public static NiftiScaling Of(NiftiHeader header, string path)
    {
        double slope = header.SclSlope, inter = header.SclInter;
        if (slope == 0 || !double.IsFinite(slope)) return new NiftiScaling(1, 0);
        if (!double.IsFinite(inter))
            throw new ImageFormatException(path, FormattableString.Invariant($"scl_slope is {slope} but scl_inter is {inter}"));
        return new NiftiScaling(slope, inter);
    }
}

/// <summary>
/// Turns the stored voxels into one of our voxel types. uint8, int16, uint16 and float32 without
/// scaling are kept as they are (only byte-swapped when big-endian). Everything else becomes
/// int16 when every resulting value is a whole number that int16 holds (CT stored as uint16 or
/// int32, or with scl_inter = -1024, is HU and fits), otherwise float32. float64 without scaling
/// stays floating point (float32), since its values are not counts.
/// </summary>
internal static class NiftiVoxelDecoder
{
    /// <summary>Decodes raw file bytes; may reuse (and overwrite) <paramref name="raw"/> as the output buffer.</summary>
    public static (VoxelType Type, byte[] Buffer) Decode(byte[] raw, NiftiDataType type, bool bigEndian, NiftiScaling scaling)
    {
        if (bigEndian) SwapInPlace(raw, NiftiDataTypes.DecodableBytesPerVoxel(type));
        var kept = NiftiDataTypes.KeptAs(type);
        if (kept is { } keptType && scaling.IsIdentity) return (keptType, raw);
        return type switch
        {
            NiftiDataType.UInt8 => Convert<byte>(raw, scaling, floatSource: false),
            NiftiDataType.Int8 => Convert<sbyte>(raw, scaling, floatSource: false),
            NiftiDataType.Int16 => Convert<short>(raw, scaling, floatSource: false),
            NiftiDataType.UInt16 => Convert<ushort>(raw, scaling, floatSource: false),
            NiftiDataType.Int32 => Convert<int>(raw, scaling, floatSource: false),
            NiftiDataType.UInt32 => Convert<uint>(raw, scaling, floatSource: false),
            NiftiDataType.Int64 => Convert<long>(raw, scaling, floatSource: false),
            NiftiDataType.UInt64 => Convert<ulong>(raw, scaling, floatSource: false),
            NiftiDataType.Float32 => Convert<float>(raw, scaling, floatSource: true),
            NiftiDataType.Float64 => Convert<double>(raw, scaling, floatSource: true),
            _ => throw new ArgumentOutOfRangeException(nameof(type), type, "not a decodable datatype"),
        };
    }

    private static void SwapInPlace(byte[] raw, int bytesPerVoxel)
    {
        switch (bytesPerVoxel)
        {
            case 2: { var s = MemoryMarshal.Cast<byte, ushort>(raw.AsSpan()); BinaryPrimitives.ReverseEndianness(s, s); break; }
            case 4: { var s = MemoryMarshal.Cast<byte, uint>(raw.AsSpan()); BinaryPrimitives.ReverseEndianness(s, s); break; }
            case 8: { var s = MemoryMarshal.Cast<byte, ulong>(raw.AsSpan()); BinaryPrimitives.ReverseEndianness(s, s); break; }
        }
    }

    private static (VoxelType, byte[]) Convert<T>(byte[] raw, NiftiScaling scaling, bool floatSource)
        where T : unmanaged, INumberBase<T>
    {
        ReadOnlySpan<T> source = MemoryMarshal.Cast<byte, T>(raw.AsSpan());
        bool toInt16 = !(floatSource && scaling.IsIdentity) && AllWholeInt16(source, scaling);
        if (toInt16)
        {
            // int16 output is never larger than the input, so int16/uint16 sources convert in place.
            var output = Unsafe.SizeOf<T>() == 2 ? raw : new byte[source.Length * 2];
            var target = MemoryMarshal.Cast<byte, short>(output.AsSpan());
            for (int n = 0; n < source.Length; n++)
                target[n] = (short)(double.CreateTruncating(source[n]) * scaling.Slope + scaling.Inter);
            return (VoxelType.Int16, output);
        }
        var floatOutput = Unsafe.SizeOf<T>() == 4 ? raw : new byte[source.Length * 4];
        var floats = MemoryMarshal.Cast<byte, float>(floatOutput.AsSpan());
        for (int n = 0; n < source.Length; n++)
            floats[n] = (float)(double.CreateTruncating(source[n]) * scaling.Slope + scaling.Inter);
        return (VoxelType.Float32, floatOutput);
    }

    private static bool AllWholeInt16<T>(ReadOnlySpan<T> source, NiftiScaling scaling) where T : unmanaged, INumberBase<T>
    {
        foreach (var value in source)
        {
            double v = double.CreateTruncating(value) * scaling.Slope + scaling.Inter;
            if (!(v >= short.MinValue && v <= short.MaxValue) || v != Math.Floor(v)) return false;
        }
        return true;
    }
}
