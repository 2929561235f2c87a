namespace RenalGrpc.Imaging.Nifti;

/// <summary>How <see cref="NiftiFile.Read"/> treats files that are more than a single 3-D volume.</summary>
public sealed record NiftiReadOptions
{
    public static NiftiReadOptions Default { get; } = new();

    /// <summary>
    /// Read only the first volume of a 4-D file (dim[4] &gt; 1). Off by default, because silently
    /// dropping time points or phases would hide a wrong input; a 4-D file without it is an error.
    /// </summary>
    public bool FirstVolumeOf4D { get; init; }
}
