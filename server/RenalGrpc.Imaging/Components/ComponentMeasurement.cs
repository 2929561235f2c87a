namespace RenalGrpc.Imaging.Components;

/// <summary>Which side of the patient a component lies on (from its centroid; LPS +X is the patient's left).</summary>
public enum PatientSide
{
    Right,
    Left,
    Midline,
}

/// <summary>Measurements of one connected component, in LPS millimetres unless stated.</summary>
/// <param name="Label">Component label in the <see cref="ComponentLabeling"/>.</param>
/// <param name="BoundsMin">Smallest LPS coordinates of the corners of the component's voxels.</param>
/// <param name="BoundsMax">Largest LPS coordinates of the corners of the component's voxels.</param>
/// <param name="Centroid">Mean LPS position of the voxel centres.</param>
/// <param name="LargestDiameterMm">Largest distance between two voxel centres of the component (see <see cref="LargestDiameter"/>).</param>
/// <param name="IntensityMean">Mean image value inside the component; null when no image was given.</param>
/// <param name="IntensityStandardDeviation">Population standard deviation (numpy's default ddof=0); null when no image was given.</param>
public sealed record ComponentMeasurement(
    int Label,
    long VoxelCount,
    double VolumeMl,
    Vec3 BoundsMin,
    Vec3 BoundsMax,
    Vec3 Centroid,
    double LargestDiameterMm,
    PatientSide Side,
    double? IntensityMean,
    double? IntensityStandardDeviation)
{
    /// <summary>"left", "right" or "midline".</summary>
    public string SideName => Side switch
    {
        PatientSide.Left => "left",
        PatientSide.Right => "right",
        _ => "midline",
    };
}
