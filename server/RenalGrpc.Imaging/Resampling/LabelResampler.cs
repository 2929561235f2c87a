namespace RenalGrpc.Imaging.Resampling;

/// <summary>
/// Resamples label maps (segmentations): nearest neighbour only, so every output voxel holds a
/// label that exists in the input (or the outside label). Each source voxel owns the box up to
/// its faces (<see cref="SourceBounds.EdgeVoxelFaces"/>), so a label map resampled onto a grid of
/// the same field of view loses no border voxels.
/// </summary>
public static class LabelResampler
{
    public static Volume Resample(Volume labels, Geometry target, int outsideLabel = 0,
        SourceBounds bounds = SourceBounds.EdgeVoxelFaces)
    {
        ArgumentNullException.ThrowIfNull(labels);
        var (min, max) = LabelRange(labels.VoxelType);
        if (outsideLabel < min || outsideLabel > max)
            throw new ImagingException($"outside label {outsideLabel} does not fit a {labels.VoxelType} label map");
        return VolumeResampler.Resample(labels, target, Interpolation.Nearest, outsideLabel, bounds);
    }

    /// <summary>The label map on <see cref="VolumeResampler.ResampledGeometry"/>'s grid at this spacing.</summary>
    public static Volume ToSpacing(Volume labels, Vec3 spacing)
    {
        ArgumentNullException.ThrowIfNull(labels);
        return Resample(labels, VolumeResampler.ResampledGeometry(labels.Geometry, spacing));
    }

    private static (double Min, double Max) LabelRange(VoxelType type) => type switch
    {
        VoxelType.UInt8 => (byte.MinValue, byte.MaxValue),
        VoxelType.Int16 => (short.MinValue, short.MaxValue),
        VoxelType.UInt16 => (ushort.MinValue, ushort.MaxValue),
        _ => (-16777216, 16777216), // float32 holds every integer of this range exactly
    };
}
