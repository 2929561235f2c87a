namespace RenalGrpc.Imaging.Nrrd;

/// <summary>
/// NRRD images (.nrrd with an attached header, .nhdr with a detached one) in LPS.
/// Reads raw, gzip and ascii data of every NRRD scalar type; writes raw or gzip.
/// </summary>
public static class NrrdFile
{
    /// <summary>
    /// Reads a 3-D scalar image (or a 2-D one as a single slice). uint8, int16, uint16 and
    /// float32 keep their type, int8 becomes int16, every other type becomes float32.
    /// Geometry is converted to LPS.
    /// </summary>
    public static Volume Read(string path)
    {
        var image = ReadImage(path);
        if (image.Layout.Layers != 1)
            throw new ImageFormatException(path, $"the first axis is a non-spatial axis of size {image.Layout.Layers} (several components or layers); only single-component images can be read as a volume");
        return new Volume(image.Layout.Geometry, image.VoxelType, image.Voxels);
    }

    /// <summary>
    /// Writes the volume in LPS with full-precision geometry. A path ending in .nhdr gets a
    /// detached header and a data file beside it (.raw or .raw.gz).
    /// </summary>
    public static void Write(Volume volume, string path, NrrdEncoding encoding = NrrdEncoding.Gzip)
    {
        ArgumentNullException.ThrowIfNull(volume);
        NrrdWriter.Write(volume, path, encoding, []);
    }

    /// <summary>A read NRRD: header, axes, and voxels in file order (a leading layer axis fastest).</summary>
    internal sealed record NrrdImage(NrrdHeader Header, NrrdSpatialLayout Layout, VoxelType VoxelType, byte[] Voxels);

    internal static NrrdImage ReadImage(string path)
    {
        NrrdHeader header;
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
            header = NrrdHeader.Read(stream, path);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new ImageFormatException(path, "file does not exist", e);
        }
        var type = NrrdScalarTypes.Parse(header.Require("type"), header);
        var layout = NrrdSpatialLayout.Parse(header);
        var voxels = NrrdDataReader.ReadVoxels(header, layout.SampleCount, type);
        return new NrrdImage(header, layout, type.ToVoxelType(), voxels);
    }
}
