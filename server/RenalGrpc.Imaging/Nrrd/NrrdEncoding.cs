namespace RenalGrpc.Imaging.Nrrd;

/// <summary>How <see cref="NrrdFile.Write"/> stores the voxels. ascii is read but never written.</summary>
public enum NrrdEncoding
{
    /// <summary>Uncompressed little-endian samples.</summary>
    Raw,

    /// <summary>gzip-compressed little-endian samples (the NRRD "gzip" encoding).</summary>
    Gzip,
}
