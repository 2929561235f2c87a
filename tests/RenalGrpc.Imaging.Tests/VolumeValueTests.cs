using RenalGrpc.Imaging;

namespace RenalGrpc.Imaging.Tests;

public sealed class VolumeValueTests
{
    [Fact]
    public void NaNAndInfinitiesAreCountedAndEveryFiniteFloatIsNot()
    {
        float[] values =
        [
            float.NaN, float.PositiveInfinity, float.NegativeInfinity, BitConverter.Int32BitsToSingle(unchecked((int)0xFFC00001)),
            float.MaxValue, float.MinValue, float.Epsilon, -0f, 0f, -1024f, 3071f, 1e30f,
        ];
        var volume = Volume.FromVoxels<float>(Geometry.Axial(new GridSize(3, 2, 2), new Vec3(1, 1, 1), default), values);
        Assert.Equal(4, volume.NonFiniteVoxelCount());
        Assert.Equal(0, Volume.CountNonFinite(values.AsSpan(4)));

        // Integer voxels are always numbers, whatever their bytes.
        var int16 = new Volume(volume.Geometry, VoxelType.Int16, Enumerable.Repeat((byte)0xFF, 24).ToArray());
        Assert.Equal(0, int16.NonFiniteVoxelCount());
    }
}
