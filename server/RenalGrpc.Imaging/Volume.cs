using System.Numerics;
using System.Runtime.InteropServices;

namespace RenalGrpc.Imaging;

/// <summary>
/// A 3-D image: a geometry, a voxel type and the voxels as raw little-endian bytes in
/// i-fastest order (numpy C-order of shape (k, j, i)), which is also the wire format,
/// so uploads, hashes and files need no conversion.
/// </summary>
public sealed class Volume
{
    public Volume(Geometry geometry, VoxelType voxelType, byte[] buffer)
    {
        ArgumentNullException.ThrowIfNull(geometry);
        ArgumentNullException.ThrowIfNull(buffer);
        geometry.Validate();
        long expected = geometry.VoxelCount * voxelType.BytesPerVoxel();
        if (buffer.LongLength != expected)
            throw new ImagingException($"voxel buffer holds {buffer.LongLength} bytes, geometry {geometry.Size} of {voxelType} needs {expected}");
        Geometry = geometry;
        VoxelType = voxelType;
        Buffer = buffer;
    }

    public Geometry Geometry { get; }
    public VoxelType VoxelType { get; }

    /// <summary>Raw voxels, little-endian, i fastest.</summary>
    public byte[] Buffer { get; }

    public GridSize Size => Geometry.Size;
    public long VoxelCount => Geometry.VoxelCount;

    /// <summary>A zero-filled volume.</summary>
    public static Volume Create(Geometry geometry, VoxelType voxelType)
    {
        geometry.Validate();
        long bytes = geometry.VoxelCount * voxelType.BytesPerVoxel();
        if (bytes > Array.MaxLength) throw new ImagingException($"a {geometry.Size} {voxelType} volume ({bytes} bytes) is larger than one buffer can hold");
        return new Volume(geometry, voxelType, new byte[bytes]);
    }

    /// <summary>A volume holding a copy of typed voxels.</summary>
    public static Volume FromVoxels<T>(Geometry geometry, ReadOnlySpan<T> voxels) where T : unmanaged
    {
        var type = VoxelTypeOf<T>();
        if (voxels.Length != geometry.VoxelCount)
            throw new ImagingException($"{voxels.Length} voxels given, geometry {geometry.Size} needs {geometry.VoxelCount}");
        return new Volume(geometry, type, MemoryMarshal.AsBytes(voxels).ToArray());
    }

    /// <summary>Typed view of the voxels; T must match <see cref="VoxelType"/>.</summary>
    public Span<T> Voxels<T>() where T : unmanaged
    {
        if (VoxelTypeOf<T>() != VoxelType)
            throw new InvalidOperationException($"volume holds {VoxelType}, not {typeof(T).Name}");
        return MemoryMarshal.Cast<byte, T>(Buffer.AsSpan());
    }

    /// <summary>Voxel at a linear index, as float.</summary>
    public float GetFloat(long index) => VoxelType switch
    {
        VoxelType.UInt8 => Buffer[index],
        VoxelType.Int16 => BitConverter.ToInt16(Buffer, checked((int)(index * 2))),
        VoxelType.UInt16 => BitConverter.ToUInt16(Buffer, checked((int)(index * 2))),
        VoxelType.Float32 => BitConverter.ToSingle(Buffer, checked((int)(index * 4))),
        _ => throw new InvalidOperationException(),
    };

    /// <summary>All voxels converted to float32 (a new array).</summary>
    public float[] ToFloatArray()
    {
        var result = new float[VoxelCount];
        CopyToFloat(result);
        return result;
    }

    public void CopyToFloat(Span<float> destination)
    {
        if (destination.Length != VoxelCount) throw new ArgumentException("destination length must equal the voxel count", nameof(destination));
        switch (VoxelType)
        {
            case VoxelType.UInt8: { var s = Buffer.AsSpan(); for (int n = 0; n < s.Length; n++) destination[n] = s[n]; break; }
            case VoxelType.Int16: { var s = Voxels<short>(); for (int n = 0; n < s.Length; n++) destination[n] = s[n]; break; }
            case VoxelType.UInt16: { var s = Voxels<ushort>(); for (int n = 0; n < s.Length; n++) destination[n] = s[n]; break; }
            case VoxelType.Float32: Voxels<float>().CopyTo(destination); break;
        }
    }

    /// <summary>(min, max) of the voxel values.</summary>
    public (double Min, double Max) ValueRange() => VoxelType switch
    {
        VoxelType.UInt8 => RangeOf<byte>(Buffer),
        VoxelType.Int16 => RangeOf<short>(Voxels<short>()),
        VoxelType.UInt16 => RangeOf<ushort>(Voxels<ushort>()),
        VoxelType.Float32 => RangeOf<float>(Voxels<float>()),
        _ => throw new InvalidOperationException(),
    };

    // NaN compares false both ways, so a float volume's range is that of its numbers.
    private static (double Min, double Max) RangeOf<T>(ReadOnlySpan<T> values) where T : unmanaged, INumberBase<T>
    {
        double min = double.PositiveInfinity, max = double.NegativeInfinity;
        foreach (var value in values)
        {
            double v = double.CreateTruncating(value);
            if (v < min) min = v;
            if (v > max) max = v;
        }
        return (min, max);
    }

    /// <summary>Voxels that are NaN or infinite (only a float32 volume can have them; 0 otherwise).</summary>
    public long NonFiniteVoxelCount() => VoxelType == VoxelType.Float32 ? CountNonFinite(Voxels<float>()) : 0;

    /// <summary>How many of the values are NaN or infinite.</summary>
    public static long CountNonFinite(ReadOnlySpan<float> values)
    {
        long count = 0;
        foreach (float v in values)
        {
            if (!float.IsFinite(v)) count++;
        }
        return count;
    }

    /// <summary>
    /// Same size, voxel type and bytes, whatever the geometry says: two acquisitions never agree
    /// on every voxel (noise alone differs), so this is one scan given twice.
    /// </summary>
    public bool HasSameVoxelsAs(Volume other)
    {
        ArgumentNullException.ThrowIfNull(other);
        return ReferenceEquals(this, other)
            || Size == other.Size && VoxelType == other.VoxelType && Buffer.AsSpan().SequenceEqual(other.Buffer);
    }

    /// <summary>Same voxels on another geometry of the same size (e.g. after fixing metadata).</summary>
    public Volume WithGeometry(Geometry geometry)
    {
        if (geometry.Size != Geometry.Size) throw new ArgumentException("size must not change", nameof(geometry));
        return new Volume(geometry, VoxelType, Buffer);
    }

    public static VoxelType VoxelTypeOf<T>() where T : unmanaged =>
        typeof(T) == typeof(byte) ? VoxelType.UInt8
        : typeof(T) == typeof(short) ? VoxelType.Int16
        : typeof(T) == typeof(ushort) ? VoxelType.UInt16
        : typeof(T) == typeof(float) ? VoxelType.Float32
        : throw new NotSupportedException($"{typeof(T).Name} is not a voxel type (uint8, int16, uint16, float32)");

    public override string ToString() => $"{VoxelType} {Geometry}";
}
