namespace RenalGrpc.Imaging.Dicom;

/// <summary>Builds the volume of one series: orders its frames, then decodes the files in parallel into one buffer.</summary>
internal static class DicomVolumeAssembler
{
    public static Volume Assemble(string source, IReadOnlyList<DicomFileHeader> files, int? maxParallelism)
    {
        var stack = DicomSliceStack.Arrange(source, files);
        var geometry = stack.Geometry;
        try
        {
            geometry.Validate();
        }
        catch (InvalidGeometryException e)
        {
            throw new ImageFormatException(source, $"the series does not describe a valid grid: {e.Message}", e);
        }

        var targets = stack.Slices
            .Select((frame, slice) => (Frame: frame, Slice: slice))
            .GroupBy(t => t.Frame.File)
            .Select(g => (File: g.Key, Targets: (IReadOnlyList<(DicomFrame, int)>)g.Select(t => (t.Frame, t.Slice)).ToList()))
            .ToList();

        // int16 holds CT in HU exactly; anything with fractional rescale needs float32.
        bool integralRescale = stack.Slices.All(f => IsSmallInteger(f.Slope) && IsSmallInteger(f.Intercept));
        if (integralRescale && TryDecode(geometry, VoxelType.Int16, targets, maxParallelism) is { } int16Volume) return int16Volume;
        return TryDecode(geometry, VoxelType.Float32, targets, maxParallelism)!;
    }

    private static Volume? TryDecode(Geometry geometry, VoxelType type, List<(DicomFileHeader File, IReadOnlyList<(DicomFrame, int)> Targets)> targets, int? maxParallelism)
    {
        long bytes = geometry.VoxelCount * type.BytesPerVoxel();
        if (bytes > Array.MaxLength)
            throw new ImageFormatException(targets[0].File.Path, $"a {geometry.Size} {type} volume ({bytes} bytes) is larger than one buffer can hold");
        var buffer = new byte[bytes];
        var destination = new SliceDestination(buffer, type, geometry.Size.I * geometry.Size.J);
        int outOfRange = 0;
        DicomSeriesCatalog.RunParallel(targets.Count, maxParallelism, n =>
        {
            if (Volatile.Read(ref outOfRange) != 0) return;
            if (!DicomPixelDecoder.Decode(targets[n].File, targets[n].Targets, destination)) Interlocked.Exchange(ref outOfRange, 1);
        });
        return outOfRange != 0 ? null : new Volume(geometry, type, buffer);
    }

    private static bool IsSmallInteger(double value) => value == Math.Round(value) && Math.Abs(value) <= int.MaxValue;
}
