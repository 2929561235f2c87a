namespace RenalGrpc.Imaging.Resampling;

/// <summary>
/// Resamples a volume onto another grid in physical (LPS) space: every target voxel centre is
/// mapped to LPS and from there to a continuous source index, so oblique source and target
/// directions are handled exactly. The output has the target geometry and the source's voxel type.
/// </summary>
public static class VolumeResampler
{
    /// <summary>
    /// Samples <paramref name="source"/> at every voxel centre of <paramref name="target"/>.
    /// Linear interpolation on integer voxel types rounds half away from zero and clamps to the
    /// type's range. Target voxels outside the source (see <see cref="SourceBounds"/>; the default
    /// matches scipy.ndimage.map_coordinates mode='constant') get <paramref name="outsideValue"/>,
    /// itself rounded and clamped to the voxel type.
    /// </summary>
    public static Volume Resample(Volume source, Geometry target, Interpolation interpolation, float outsideValue = 0,
        SourceBounds bounds = SourceBounds.EdgeVoxelCentres)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(target);
        target.Validate();
        if (!float.IsFinite(outsideValue))
            throw new ImagingException($"outside value {outsideValue} must be a finite number");
        var output = Volume.Create(target, source.VoxelType);
        var mapping = IndexMapping.Between(target, source.Geometry);
        switch (source.VoxelType)
        {
            case VoxelType.UInt8: Run<byte>(); break;
            case VoxelType.Int16: Run<short>(); break;
            case VoxelType.UInt16: Run<ushort>(); break;
            case VoxelType.Float32: Run<float>(); break;
            default: throw new ImagingException($"cannot resample voxels of type {source.VoxelType}");
        }
        return output;

        void Run<T>() where T : unmanaged, System.Numerics.INumberBase<T> =>
            ResampleKernel.Run<T>(source.Buffer, source.Size, output.Buffer, target.Size, mapping,
                interpolation, bounds, outsideValue);
    }

    /// <summary>
    /// Resamples the whole field of view to (about) <paramref name="spacing"/> mm, keeping the
    /// directions; see <see cref="ResampledGeometry"/> for the grid. Edge voxels are repeated up to
    /// the outer faces (<see cref="SourceBounds.EdgeVoxelFaces"/>), so no target voxel is "outside".
    /// </summary>
    public static Volume ToSpacing(Volume source, Vec3 spacing, Interpolation interpolation)
    {
        ArgumentNullException.ThrowIfNull(source);
        return Resample(source, ResampledGeometry(source.Geometry, spacing), interpolation, 0, SourceBounds.EdgeVoxelFaces);
    }

    /// <summary>
    /// The grid covering the same field of view at the requested spacing, by nnU-Net's rule
    /// (skimage resize / align_corners=False): per axis, new size m = max(1, round(n * s / s')) with
    /// numpy's round-half-to-even, and the outer faces of the first and last voxels stay exactly where
    /// they were (index -0.5 and n-0.5 of the source). Keeping both faces fixed makes the actual
    /// spacing n * s / m, which equals the requested s' whenever the extent is a whole number of
    /// target voxels and otherwise differs from it by less than s' / (2m). Directions are kept;
    /// the origin (centre of voxel 0) moves by (s' - s) / 2 along each axis.
    /// </summary>
    public static Geometry ResampledGeometry(Geometry geometry, Vec3 spacing)
    {
        ArgumentNullException.ThrowIfNull(geometry);
        geometry.Validate();
        for (int a = 0; a < 3; a++)
        {
            if (!double.IsFinite(spacing[a]) || spacing[a] <= 0)
                throw new InvalidGeometryException($"requested spacing {spacing} must be finite and positive on every axis");
        }
        Span<int> size = stackalloc int[3];
        Span<double> actual = stackalloc double[3];
        Span<double> shift = stackalloc double[3];
        for (int a = 0; a < 3; a++)
        {
            double extent = geometry.Size[a] * geometry.Spacing[a];
            double count = Math.Max(1, Math.Round(extent / spacing[a], MidpointRounding.ToEven));
            if (count > int.MaxValue)
                throw new InvalidGeometryException($"spacing {spacing} on a {extent} mm field of view needs more than {int.MaxValue} voxels");
            size[a] = (int)count;
            actual[a] = extent / size[a];
            shift[a] = (actual[a] - geometry.Spacing[a]) / 2;
        }
        var originShift = geometry.Direction * new Vec3(shift[0], shift[1], shift[2]);
        return new Geometry(new GridSize(size[0], size[1], size[2]), new Vec3(actual[0], actual[1], actual[2]),
            geometry.Origin + originShift, geometry.Direction);
    }
}
