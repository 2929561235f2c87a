namespace RenalGrpc.Imaging.Resampling;

/// <summary>How a value is read between source voxel centres.</summary>
public enum Interpolation
{
    /// <summary>Value of the voxel whose centre is nearest (index = floor(x + 0.5), as scipy order=0). For label maps.</summary>
    Nearest,

    /// <summary>Trilinear interpolation of the 8 surrounding voxel centres (scipy order=1). For images.</summary>
    Linear,
}

/// <summary>
/// Where the source image ends: a target voxel whose centre maps beyond this boundary receives
/// the outside value instead of an interpolated one.
/// </summary>
public enum SourceBounds
{
    /// <summary>
    /// Inside when every continuous index lies in [0, n-1], i.e. between the centres of the edge
    /// voxels: the semantics of scipy.ndimage.map_coordinates(mode='constant'). A point between an
    /// edge voxel's centre and its outer face is outside.
    /// </summary>
    EdgeVoxelCentres,

    /// <summary>
    /// Inside when every continuous index lies in [-0.5, n-0.5], i.e. within the outer faces of the
    /// field of view, as ITK's interpolators do; between an edge centre and its face the edge
    /// voxel's value is repeated (scipy mode='nearest' there). Used when resampling a whole
    /// field of view to another spacing, so that no target voxel of the same extent falls outside.
    /// </summary>
    EdgeVoxelFaces,
}
