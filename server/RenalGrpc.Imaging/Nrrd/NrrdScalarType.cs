namespace RenalGrpc.Imaging.Nrrd;

/// <summary>The sample types a NRRD "type:" field can name.</summary>
internal enum NrrdScalarType
{
    Int8,
    UInt8,
    Int16,
    UInt16,
    Int32,
    UInt32,
    Int64,
    UInt64,
    Float32,
    Float64,
}

internal static class NrrdScalarTypes
{
    // Every spelling the NRRD format specification allows for each type.
    private static readonly Dictionary<string, NrrdScalarType> Names = new(StringComparer.Ordinal)
    {
        ["signed char"] = NrrdScalarType.Int8, ["int8"] = NrrdScalarType.Int8, ["int8_t"] = NrrdScalarType.Int8,
        ["uchar"] = NrrdScalarType.UInt8, ["unsigned char"] = NrrdScalarType.UInt8, ["uint8"] = NrrdScalarType.UInt8, ["uint8_t"] = NrrdScalarType.UInt8,
        ["short"] = NrrdScalarType.Int16, ["short int"] = NrrdScalarType.Int16, ["signed short"] = NrrdScalarType.Int16,
        ["signed short int"] = NrrdScalarType.Int16, ["int16"] = NrrdScalarType.Int16, ["int16_t"] = NrrdScalarType.Int16,
        ["ushort"] = NrrdScalarType.UInt16, ["unsigned short"] = NrrdScalarType.UInt16, ["unsigned short int"] = NrrdScalarType.UInt16,
        ["uint16"] = NrrdScalarType.UInt16, ["uint16_t"] = NrrdScalarType.UInt16,
        ["int"] = NrrdScalarType.Int32, ["signed int"] = NrrdScalarType.Int32, ["int32"] = NrrdScalarType.Int32, ["int32_t"] = NrrdScalarType.Int32,
        ["uint"] = NrrdScalarType.UInt32, ["unsigned int"] = NrrdScalarType.UInt32, ["uint32"] = NrrdScalarType.UInt32, ["uint32_t"] = NrrdScalarType.UInt32,
        ["longlong"] = NrrdScalarType.Int64, ["long long"] = NrrdScalarType.Int64, ["long long int"] = NrrdScalarType.Int64,
        ["signed long long"] = NrrdScalarType.Int64, ["signed long long int"] = NrrdScalarType.Int64, ["int64"] = NrrdScalarType.Int64, ["int64_t"] = NrrdScalarType.Int64,
        ["ulonglong"] = NrrdScalarType.UInt64, ["unsigned long long"] = NrrdScalarType.UInt64, ["unsigned long long int"] = NrrdScalarType.UInt64,
        ["uint64"] = NrrdScalarType.UInt64, ["uint64_t"] = NrrdScalarType.UInt64,
        ["float"] = NrrdScalarType.Float32,
        ["double"] = NrrdScalarType.Float64,
    };

    /// <summary>Parses a "type:" value; "block" and unknown names are errors.</summary>
    public static NrrdScalarType Parse(string name, NrrdHeader header)
    {
        var key = string.Join(' ', name.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries)).ToLowerInvariant();
        if (Names.TryGetValue(key, out var type)) return type;
        if (key == "block")
            throw header.Problem("type \"block\" (opaque blocks of bytes) is not an image type this reader supports");
        throw header.Problem($"unsupported type \"{name}\"");
    }

    public static int Size(this NrrdScalarType type) => type switch
    {
        NrrdScalarType.Int8 or NrrdScalarType.UInt8 => 1,
        NrrdScalarType.Int16 or NrrdScalarType.UInt16 => 2,
        NrrdScalarType.Int32 or NrrdScalarType.UInt32 or NrrdScalarType.Float32 => 4,
        _ => 8,
    };

    /// <summary>
    /// The volume type a file type is read into: uint8, int16, uint16 and float32 stay as they
    /// are; int8 widens losslessly to int16; every other type (32/64-bit integers, double)
    /// becomes float32, which is exact for integers up to 2^24 and rounds beyond.
    /// </summary>
    public static VoxelType ToVoxelType(this NrrdScalarType type) => type switch
    {
        NrrdScalarType.UInt8 => VoxelType.UInt8,
        NrrdScalarType.Int8 or NrrdScalarType.Int16 => VoxelType.Int16,
        NrrdScalarType.UInt16 => VoxelType.UInt16,
        _ => VoxelType.Float32,
    };

    /// <summary>The "type:" name written for a volume type.</summary>
    public static string NrrdName(this VoxelType type) => type switch
    {
        VoxelType.UInt8 => "unsigned char",
        VoxelType.Int16 => "short",
        VoxelType.UInt16 => "unsigned short",
        VoxelType.Float32 => "float",
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, "unknown voxel type"),
    };
}
