using System.Buffers.Binary;

namespace RenalGrpc.Imaging.Tests.Nifti;

/// <summary>Overwrites little-endian header fields of an uncompressed .nii in place, to build broken files.</summary>
public static class NiftiFilePatch
{
    public static void Int16(string path, int offset, short value) =>
        Patch(path, offset, b => BinaryPrimitives.WriteInt16LittleEndian(b, value), 2);

    public static void Int32(string path, int offset, int value) =>
        Patch(path, offset, b => BinaryPrimitives.WriteInt32LittleEndian(b, value), 4);

    public static void Float32(string path, int offset, float value) =>
        Patch(path, offset, b => BinaryPrimitives.WriteSingleLittleEndian(b, value), 4);

    public static void Bytes(string path, int offset, byte[] value) =>
        Patch(path, offset, b => value.CopyTo(b), value.Length);

    private static void Patch(string path, int offset, Action<Span<byte>> write, int length)
    {
        var bytes = File.ReadAllBytes(path);
        write(bytes.AsSpan(offset, length));
        File.WriteAllBytes(path, bytes);
    }
}
