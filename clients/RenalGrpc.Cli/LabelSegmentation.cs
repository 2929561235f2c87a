using RenalGrpc.Imaging;
using RenalGrpc.Imaging.Nrrd;

namespace RenalGrpc.Cli;

/// <summary>Names the segments of a KiTS23 label map for Slicer's .seg.nrrd.</summary>
internal static class LabelSegmentation
{
    /// <summary>One segment per non-zero label value present; values 1..3 get the KiTS23 names, colours and terminology.</summary>
    public static SegmentationLabelMap FromLabelMap(Volume labels, string path)
    {
        if (labels.VoxelType is not (VoxelType.UInt8 or VoxelType.UInt16))
        {
            var (min, max) = labels.ValueRange();
            var floats = labels.ToFloatArray();
            if (min < 0 || max > 255 || floats.Any(v => v != MathF.Round(v)))
                throw new ImageFormatException(path, $"a .seg.nrrd needs integer labels 0..255; this volume is {labels.VoxelType} with values {min}..{max}");
            labels = Volume.FromVoxels<byte>(labels.Geometry, floats.Select(v => (byte)v).ToArray());
        }
        var present = new SortedSet<int>();
        for (long n = 0; n < labels.VoxelCount; n++)
        {
            int v = (int)labels.GetFloat(n);
            if (v != 0) present.Add(v);
        }
        var segments = present.Select(value =>
        {
            var known = KidneyLabels.Find(value);
            return known is null
                ? new SegmentInfo($"Segment_{value}", $"label {value}", value, 0, (0.5, 0.5, 0.5), null)
                : new SegmentInfo($"Segment_{value}", known.Name, value, 0, (known.Red / 255.0, known.Green / 255.0, known.Blue / 255.0), known.SlicerTerminology);
        }).ToList();
        return new SegmentationLabelMap(labels, segments);
    }
}
