using System.Buffers.Binary;
using System.Globalization;
using System.Runtime.InteropServices;

namespace RenalGrpc.Imaging.Nrrd;

/// <summary>Turns file samples (any NRRD type, either endianness, or ascii text) into little-endian volume voxels.</summary>
internal static class NrrdSampleDecoder
{
    /// <summary>
    /// Converts binary samples to the voxel type <see cref="NrrdScalarTypes.ToVoxelType"/> picks.
    /// Returns the input array itself when nothing needs converting.
    /// </summary>
    public static byte[] DecodeBinary(byte[] samples, NrrdScalarType type, bool bigEndian)
    {
        var target = type.ToVoxelType();
        bool sameLayout = type.Size() == target.BytesPerVoxel() && IsKeptAsIs(type);
        if (sameLayout && (!bigEndian || type.Size() == 1)) return samples;
        if (sameLayout)
        {
            SwapInPlace(samples, type.Size());
            return samples;
        }
        long count = samples.LongLength / type.Size();
        var result = new byte[count * target.BytesPerVoxel()];
        if (target == VoxelType.Int16)
        {
            // Only int8 widens to int16.
            var dst = MemoryMarshal.Cast<byte, short>(result.AsSpan());
            for (int n = 0; n < dst.Length; n++) dst[n] = (sbyte)samples[n];
            return result;
        }
        var floats = MemoryMarshal.Cast<byte, float>(result.AsSpan());
        var src = samples.AsSpan();
        int size = type.Size();
        for (int n = 0; n < floats.Length; n++) floats[n] = (float)ReadAsDouble(src.Slice(n * size, size), type, bigEndian);
        return result;
    }

    /// <summary>Parses ascii samples (separated by whitespace or commas) into voxels.</summary>
    public static byte[] DecodeAscii(string text, long count, NrrdScalarType type, NrrdHeader header)
    {
        var target = type.ToVoxelType();
        var result = new byte[count * target.BytesPerVoxel()];
        long n = 0;
        int at = 0;
        while (n < count)
        {
            while (at < text.Length && (char.IsWhiteSpace(text[at]) || text[at] == ',')) at++;
            if (at >= text.Length)
                throw header.Problem($"ascii data holds only {n} of the {count} values the header describes");
            int end = at;
            while (end < text.Length && !char.IsWhiteSpace(text[end]) && text[end] != ',') end++;
            var word = text.AsSpan(at, end - at);
            if (!double.TryParse(word, NumberStyles.Float, CultureInfo.InvariantCulture, out double value))
                throw header.Problem($"ascii value {n} \"{word.ToString()}\" is not a number");
            StoreVoxel(result, n, target, value);
            n++;
            at = end;
        }
        return result;
    }

    private static bool IsKeptAsIs(NrrdScalarType type) =>
        type is NrrdScalarType.UInt8 or NrrdScalarType.Int16 or NrrdScalarType.UInt16 or NrrdScalarType.Float32;

    private static void SwapInPlace(byte[] samples, int size)
    {
        if (size == 2)
        {
            var s = MemoryMarshal.Cast<byte, ushort>(samples.AsSpan());
            BinaryPrimitives.ReverseEndianness(s, s);
        }
        else if (size == 4)
        {
            var s = MemoryMarshal.Cast<byte, uint>(samples.AsSpan());
            BinaryPrimitives.ReverseEndianness(s, s);
        }
    }

    private static double ReadAsDouble(ReadOnlySpan<byte> b, NrrdScalarType type, bool bigEndian) => type switch
    {
        NrrdScalarType.Int8 => (sbyte)b[0],
        NrrdScalarType.UInt8 => b[0],
        NrrdScalarType.Int16 => bigEndian ? BinaryPrimitives.ReadInt16BigEndian(b) : BinaryPrimitives.ReadInt16LittleEndian(b),
        NrrdScalarType.UInt16 => bigEndian ? BinaryPrimitives.ReadUInt16BigEndian(b) : BinaryPrimitives.ReadUInt16LittleEndian(b),
        NrrdScalarType.Int32 => bigEndian ? BinaryPrimitives.ReadInt32BigEndian(b) : BinaryPrimitives.ReadInt32LittleEndian(b),
        NrrdScalarType.UInt32 => bigEndian ? BinaryPrimitives.ReadUInt32BigEndian(b) : BinaryPrimitives.ReadUInt32LittleEndian(b),
        NrrdScalarType.Int64 => bigEndian ? BinaryPrimitives.ReadInt64BigEndian(b) : BinaryPrimitives.ReadInt64LittleEndian(b),
        NrrdScalarType.UInt64 => bigEndian ? BinaryPrimitives.ReadUInt64BigEndian(b) : BinaryPrimitives.ReadUInt64LittleEndian(b),
        NrrdScalarType.Float32 => bigEndian ? BinaryPrimitives.ReadSingleBigEndian(b) : BinaryPrimitives.ReadSingleLittleEndian(b),
        _ => bigEndian ? BinaryPrimitives.ReadDoubleBigEndian(b) : BinaryPrimitives.ReadDoubleLittleEndian(b),
    };

    private static void StoreVoxel(byte[] buffer, long index, VoxelType type, double value)
    {
        switch (type)
        {
            case VoxelType.UInt8: buffer[index] = (byte)value; break;
            case VoxelType.Int16: BinaryPrimitives.WriteInt16LittleEndian(buffer.AsSpan((int)(index * 2)), (short)value); break;
            case VoxelType.UInt16: BinaryPrimitives.WriteUInt16LittleEndian(buffer.AsSpan((int)(index * 2)), (ushort)value); break;
            default: BinaryPrimitives.WriteSingleLittleEndian(buffer.AsSpan((int)(index * 4)), (float)value); break;
        }
    }
}
