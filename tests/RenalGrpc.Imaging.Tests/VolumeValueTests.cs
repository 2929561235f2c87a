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

    [Fact]
    public void ValueRangeReadsEveryVoxelTypeAndSkipsNaN()
    {
        var g = Geometry.Axial(new GridSize(2, 2, 1), new Vec3(1, 1, 1), default);
        Assert.Equal((3.0, 250.0), Volume.FromVoxels<byte>(g, new byte[] { 7, 3, 250, 9 }).ValueRange());
        Assert.Equal((-1024.0, 3071.0), Volume.FromVoxels<short>(g, new short[] { 0, -1024, 3071, 40 }).ValueRange());
        Assert.Equal((1.0, 65535.0), Volume.FromVoxels<ushort>(g, new ushort[] { 65535, 1, 2, 3 }).ValueRange());
        Assert.Equal((-0.5, 2.0), Volume.FromVoxels<float>(g, new[] { float.NaN, -0.5f, 2f, 1f }).ValueRange());
    }
}
