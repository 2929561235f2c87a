namespace RenalGrpc.Imaging.Nifti;

/// <summary>
/// NIfTI-1 / NIfTI-2 images (.nii, .nii.gz) as <see cref="Volume"/>s. Files hold RAS affines;
/// volumes are LPS (the first two axes of every point and direction change sign on the way).
/// </summary>
public static class NiftiFile
{
    /// <summary>
    /// Reads a 3-D image (or the first volume of a 4-D one with <see cref="NiftiReadOptions.FirstVolumeOf4D"/>).
    /// Gzip is detected from the content. Throws <see cref="ImageFormatException"/> naming the file and
    /// the problem for anything that is not a readable NIfTI image.
    /// </summary>
    public static Volume Read(string path, NiftiReadOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        return NiftiReader.Read(path, options ?? NiftiReadOptions.Default);
    }

    /// <summary>zlib level used for .nii.gz output (chosen by measurement, see NiftiWriter).</summary>
    public const int GzipLevel = NiftiWriter.GzipLevel;

    /// <summary>Writes NIfTI-1 with sform = qform (scanner), gzip-compressed when the path ends in .gz.</summary>
    public static void Write(Volume volume, string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        NiftiWriter.Write(volume, path);
    }

    /// <summary>The header alone (for a .nii.gz only its first bytes are decompressed).</summary>
    public static NiftiHeader ReadHeader(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        return NiftiReader.ReadHeaderOnly(path);
    }

    /// <summary>Geometry of the (first) 3-D volume, from the header alone, without reading voxels.</summary>
    public static Geometry ReadGeometry(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        return NiftiReader.ReadGeometry(path);
    }
}
