using System.Globalization;
using System.Runtime.InteropServices;

namespace RenalGrpc.Imaging.Nrrd;

/// <summary>
/// 3D Slicer segmentation files (.seg.nrrd): a NRRD label map whose SegmentN_* fields name
/// each segment's label value, layer, name and colour. Multi-layer files (a leading list axis,
/// written by Slicer when segments overlap) are merged into one label map when they do not overlap.
/// </summary>
public static class SegNrrdFile
{
    public static SegmentationLabelMap Read(string path)
    {
        var image = NrrdFile.ReadImage(path);
        var header = image.Header;
        var values = LabelValues(image);
        var segments = SegmentFields.Parse(header, image.Layout.Layers);
        if (image.Layout.Layers == 1)
        {
            var type = image.VoxelType is VoxelType.UInt8 or VoxelType.UInt16 ? image.VoxelType : SmallestLabelType(values);
            return new SegmentationLabelMap(ToVolume(image.Layout.Geometry, values, type), segments);
        }
        var (merged, mergedSegments) = LabelLayerMerger.Merge(header, values, image.Layout.Layers, segments);
        return new SegmentationLabelMap(ToVolume(image.Layout.Geometry, merged, SmallestLabelType(merged)), mergedSegments);
    }

    public static void Write(SegmentationLabelMap map, string path)
    {
        ArgumentNullException.ThrowIfNull(map);
        var labels = map.Labels;
        if (labels.VoxelType is not (VoxelType.UInt8 or VoxelType.UInt16))
            throw new ArgumentException($"a label map must be uint8 or uint16, not {labels.VoxelType}", nameof(map));
        int maxLabel = labels.VoxelType == VoxelType.UInt8 ? byte.MaxValue : ushort.MaxValue;
        foreach (var s in map.Segments)
        {
            if (s.LabelValue < 1 || s.LabelValue > maxLabel)
                throw new ArgumentException($"segment \"{s.Id}\" has label value {s.LabelValue}, outside 1..{maxLabel}", nameof(map));
        }
        var duplicate = map.Segments.GroupBy(s => s.LabelValue).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
            throw new ArgumentException($"segments {string.Join(", ", duplicate.Select(s => s.Id))} share label value {duplicate.Key}", nameof(map));
        var duplicateId = map.Segments.GroupBy(s => s.Id).FirstOrDefault(g => g.Count() > 1);
        if (duplicateId is not null)
            throw new ArgumentException($"segment ID \"{duplicateId.Key}\" is used more than once", nameof(map));

        var extents = LabelExtents.Compute(labels);
        NrrdWriter.Write(labels, path, NrrdEncoding.Gzip, SegmentFields.Format(map, extents.Format));
    }

    /// <summary>All samples (every layer) as label values, checked to be whole numbers 0..65535.</summary>
    private static ushort[] LabelValues(NrrdFile.NrrdImage image)
    {
        var bytes = image.Voxels.AsSpan();
        var result = new ushort[image.Layout.SampleCount];
        switch (image.VoxelType)
        {
            case VoxelType.UInt8:
                for (int n = 0; n < result.Length; n++) result[n] = bytes[n];
                break;
            case VoxelType.UInt16:
                MemoryMarshal.Cast<byte, ushort>(bytes).CopyTo(result);
                break;
            case VoxelType.Int16:
                var shorts = MemoryMarshal.Cast<byte, short>(bytes);
                for (int n = 0; n < result.Length; n++) result[n] = ToLabel(image.Header, shorts[n]);
                break;
            default:
                var floats = MemoryMarshal.Cast<byte, float>(bytes);
                for (int n = 0; n < result.Length; n++) result[n] = ToLabel(image.Header, floats[n]);
                break;
        }
        return result;
    }

    private static ushort ToLabel(NrrdHeader header, float value) =>
        value >= 0 && value <= ushort.MaxValue && value == MathF.Floor(value)
            ? (ushort)value
            : throw header.Problem($"voxel value {value.ToString(CultureInfo.InvariantCulture)} is not a label value (a whole number 0..65535)");

    private static VoxelType SmallestLabelType(ushort[] values)
    {
        ushort max = 0;
        foreach (var v in values) if (v > max) max = v;
        return max <= byte.MaxValue ? VoxelType.UInt8 : VoxelType.UInt16;
    }

    private static Volume ToVolume(Geometry geometry, ushort[] values, VoxelType type)
    {
        if (type == VoxelType.UInt16) return Volume.FromVoxels<ushort>(geometry, values);
        var bytes = new byte[values.Length];
        for (int n = 0; n < values.Length; n++) bytes[n] = (byte)values[n];
        return new Volume(geometry, VoxelType.UInt8, bytes);
    }
}
