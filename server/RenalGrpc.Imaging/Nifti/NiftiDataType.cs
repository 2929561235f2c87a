namespace RenalGrpc.Imaging.Nifti;

/// <summary>NIfTI datatype codes (nifti1.h DT_*), shared by NIfTI-1 and NIfTI-2.</summary>
public enum NiftiDataType : short
{
    Binary = 1,
    UInt8 = 2,
    Int16 = 4,
    Int32 = 8,
    Float32 = 16,
    Complex64 = 32,
    Float64 = 64,
    Rgb24 = 128,
    Int8 = 256,
    UInt16 = 512,
    UInt32 = 768,
    Int64 = 1024,
    UInt64 = 1280,
    Float128 = 1536,
    Complex128 = 1792,
    Complex256 = 2048,
    Rgba32 = 2304,
}

internal static class NiftiDataTypes
{
    /// <summary>Bytes per voxel of the scalar types we can decode; 0 for the rest (colour, complex, bit, float128).</summary>
    public static int DecodableBytesPerVoxel(NiftiDataType type) => type switch
    {
        NiftiDataType.UInt8 or NiftiDataType.Int8 => 1,
        NiftiDataType.Int16 or NiftiDataType.UInt16 => 2,
        NiftiDataType.Int32 or NiftiDataType.UInt32 or NiftiDataType.Float32 => 4,
        NiftiDataType.Int64 or NiftiDataType.UInt64 or NiftiDataType.Float64 => 8,
        _ => 0,
    };

    public static string Describe(short code) =>
        Enum.IsDefined((NiftiDataType)code) ? ((NiftiDataType)code).ToString().ToLowerInvariant() : "unknown";

    /// <summary>The NIfTI code that stores a voxel type without conversion.</summary>
    public static NiftiDataType FromVoxelType(VoxelType type) => type switch
    {
        VoxelType.UInt8 => NiftiDataType.UInt8,
        VoxelType.Int16 => NiftiDataType.Int16,
        VoxelType.UInt16 => NiftiDataType.UInt16,
        VoxelType.Float32 => NiftiDataType.Float32,
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, "unknown voxel type"),
    };

    /// <summary>The voxel type a file type is kept as when no scaling applies, or null when it needs conversion.</summary>
    public static VoxelType? KeptAs(NiftiDataType type) => type switch
    {
        NiftiDataType.UInt8 => VoxelType.UInt8,
        NiftiDataType.Int16 => VoxelType.Int16,
        NiftiDataType.UInt16 => VoxelType.UInt16,
        NiftiDataType.Float32 => VoxelType.Float32,
        _ => null,
    };
}
