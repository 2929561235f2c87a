namespace RenalGrpc.Imaging;

/// <summary>Voxel types a <see cref="Volume"/> holds. Files of other types are converted on read.</summary>
public enum VoxelType
{
    UInt8 = 1,
    Int16 = 2,
    UInt16 = 3,
    Float32 = 4,
}

public static class VoxelTypeExtensions
{
    public static int BytesPerVoxel(this VoxelType type) => type switch
    {
        VoxelType.UInt8 => 1,
        VoxelType.Int16 => 2,
        VoxelType.UInt16 => 2,
        VoxelType.Float32 => 4,
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, "unknown voxel type"),
    };

    public static Type ClrType(this VoxelType type) => type switch
    {
        VoxelType.UInt8 => typeof(byte),
        VoxelType.Int16 => typeof(short),
        VoxelType.UInt16 => typeof(ushort),
        VoxelType.Float32 => typeof(float),
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, "unknown voxel type"),
    };
}
