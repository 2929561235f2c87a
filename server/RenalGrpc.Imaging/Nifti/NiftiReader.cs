using System.IO.Compression;

namespace RenalGrpc.Imaging.Nifti;

/// <summary>Reads .nii and .nii.gz (gzip detected from the content, not the name) into a <see cref="Volume"/>.</summary>
internal static class NiftiReader
{
    /// <summary>FileStream buffer: big reads keep the gzip decoder fed without a syscall per 4 KB.</summary>
    private const int FileBufferSize = 1 << 20;

    private const long MaxDeflateRatio = 1100;

    public static Volume Read(string path, NiftiReadOptions options)
    {
        using var stream = OpenDecoded(path, out long? rawLength, out long fileLength);
        var header = ReadHeader(stream, path);
        var (size, dataType) = CheckLayout(header, options, path);
        var geometry = NiftiAffine.ToGeometry(header, size, path);
        var scaling = NiftiScaling.Of(header, path);
        long needed = size.VoxelCount * NiftiDataTypes.DecodableBytesPerVoxel(dataType);
        if (needed > Array.MaxLength)
            throw new ImageFormatException(path, $"a {size} {dataType} volume ({needed} bytes) is larger than one buffer can hold");
        if (rawLength is { } length && header.DataOffset > length - needed)
            throw new ImageFormatException(path,
                $"file is truncated or its header lies about the data size: {length} bytes, but {size} {NiftiDataTypes.Describe((short)dataType)} voxels at offset {header.DataOffset} need {header.DataOffset + needed}");
        // Deflate cannot expand data more than ~1032:1, so a tiny .gz whose header claims gigabytes
        // is refused before the buffer is allocated.
        if (rawLength is null && needed / MaxDeflateRatio > fileLength)
            throw new ImageFormatException(path,
                $"file is truncated or its header lies about the data size: {fileLength} compressed bytes cannot hold the {needed} bytes of {size} voxels");
        SkipTo(stream, header.HeaderSize, header.DataOffset, path);
        var raw = GC.AllocateUninitializedArray<byte>((int)needed);
        int got = ReadFully(stream, raw, path);
        if (got < needed)
            throw new ImageFormatException(path,
                $"file is truncated or its header lies about the data size: the voxel data ends after {got} of the {needed} bytes that {size} {NiftiDataTypes.Describe((short)dataType)} voxels need");
        var (voxelType, buffer) = NiftiVoxelDecoder.Decode(raw, dataType, header.BigEndian, scaling);
        return new Volume(geometry, voxelType, buffer);
    }

    public static NiftiHeader ReadHeaderOnly(string path)
    {
        using var stream = OpenDecoded(path, out _, out _);
        return ReadHeader(stream, path);
    }

    public static Geometry ReadGeometry(string path)
    {
        var header = ReadHeaderOnly(path);
        var (size, _) = CheckLayout(header, new NiftiReadOptions { FirstVolumeOf4D = true }, path);
        return NiftiAffine.ToGeometry(header, size, path);
    }

    /// <summary>
    /// The file, decompressed when it starts with the gzip magic. rawLength is the file length for
    /// uncompressed files, so a short file is reported before reading it.
    /// </summary>
    private static Stream OpenDecoded(string path, out long? rawLength, out long fileLength)
    {
        FileStream file;
        try
        {
            file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, FileBufferSize, FileOptions.SequentialScan);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new ImageFormatException(path, "file not found", e);
        }
        fileLength = file.Length;
        Span<byte> magic = stackalloc byte[2];
        int n = file.ReadAtLeast(magic, 2, throwOnEndOfStream: false);
        file.Position = 0;
        if (n == 2 && magic[0] == 0x1f && magic[1] == 0x8b)
        {
            rawLength = null;
            return new GZipStream(file, CompressionMode.Decompress, leaveOpen: false);
        }
        rawLength = file.Length;
        return file;
    }

    private static NiftiHeader ReadHeader(Stream stream, string path)
    {
        var bytes = new byte[NiftiHeader.Nifti2HeaderSize];
        int got = ReadAtLeast(stream, bytes.AsSpan(0, 4), path);
        var (version, _) = NiftiHeaderParser.DetectVersion(bytes.AsSpan(0, got), path);
        int size = version == 1 ? NiftiHeader.Nifti1HeaderSize : NiftiHeader.Nifti2HeaderSize;
        got += ReadAtLeast(stream, bytes.AsSpan(4, size - 4), path);
        return NiftiHeaderParser.Parse(bytes.AsSpan(0, got), path);
    }

    /// <summary>Checks dims and datatype; returns the 3-D grid size and the stored type.</summary>
    private static (GridSize Size, NiftiDataType Type) CheckLayout(NiftiHeader h, NiftiReadOptions options, string path)
    {
        if (h.Dim[0] is < 1 or > 7)
            throw new ImageFormatException(path, $"dim[0] = {h.Dim[0]} is not a number of dimensions (1 to 7)");
        for (int d = 1; d <= h.Dim[0]; d++)
        {
            if (h.Dim[d] < 1)
                throw new ImageFormatException(path, $"dim[{d}] = {h.Dim[d]}: every dimension must be at least 1 voxel (dims {DimText(h)})");
            if (h.Dim[d] > int.MaxValue)
                throw new ImageFormatException(path, $"dim[{d}] = {h.Dim[d]} is larger than we can index");
        }
        for (int d = 5; d <= 7; d++)
        {
            if (h.Extent(d) > 1)
                throw new ImageFormatException(path,
                    $"dims {DimText(h)} use dimension {d} (e.g. CIFTI or vector data): only 3-D images (and the first volume of 4-D ones) can be read");
        }
        if (h.VolumeCount > 1 && !options.FirstVolumeOf4D)
            throw new ImageFormatException(path,
                $"4-D file with {h.VolumeCount} volumes (dims {DimText(h)}); set {nameof(NiftiReadOptions)}.{nameof(NiftiReadOptions.FirstVolumeOf4D)} to read the first volume");
        if (NiftiDataTypes.DecodableBytesPerVoxel(h.DataType) == 0)
            throw new ImageFormatException(path, $"unsupported datatype {h.DataTypeCode} ({NiftiDataTypes.Describe(h.DataTypeCode)})");
        if (h.VoxOffset < 0 || (h.VoxOffset != 0 && h.VoxOffset < h.HeaderSize))
            throw new ImageFormatException(path, $"vox_offset {h.VoxOffset} points inside the {h.HeaderSize}-byte header or is invalid");
        return (new GridSize((int)h.Extent(1), (int)h.Extent(2), (int)h.Extent(3)), h.DataType);
    }

    private static string DimText(NiftiHeader h) => string.Join('x', Enumerable.Range(1, (int)Math.Clamp(h.Dim[0], 1, 7)).Select(d => h.Dim[d]));

    /// <summary>Moves from just after the header to the voxels; gzip streams cannot seek, so they read and discard.</summary>
    private static void SkipTo(Stream stream, long position, long target, string path)
    {
        if (stream.CanSeek)
        {
            stream.Position = target;
            return;
        }
        var scratch = new byte[Math.Min(64 * 1024, Math.Max(1, target - position))];
        while (position < target)
        {
            int want = (int)Math.Min(scratch.Length, target - position);
            int got = ReadAtLeast(stream, scratch.AsSpan(0, want), path);
            if (got < want)
                throw new ImageFormatException(path, $"file ends at byte {position + got}, before the voxel data at vox_offset {target}");
            position += got;
        }
    }

    private static int ReadFully(Stream stream, byte[] buffer, string path) => ReadAtLeast(stream, buffer, path);

    /// <summary>Reads as much of the span as the stream has; a corrupt gzip stream becomes an ImageFormatException.</summary>
    private static int ReadAtLeast(Stream stream, Span<byte> buffer, string path)
    {
        try
        {
            return stream.ReadAtLeast(buffer, buffer.Length, throwOnEndOfStream: false);
        }
        catch (InvalidDataException e)
        {
            throw new ImageFormatException(path, $"corrupt or truncated gzip data: {e.Message}", e);
        }
        catch (EndOfStreamException e)
        {
            throw new ImageFormatException(path, $"truncated gzip data: {e.Message}", e);
        }
    }
}
