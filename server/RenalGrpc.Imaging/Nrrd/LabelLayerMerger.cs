namespace RenalGrpc.Imaging.Nrrd;

/// <summary>
/// Folds the layers of a multi-layer Slicer segmentation into one label map. Segments keep
/// their label values when those are unique across layers; otherwise they are renumbered
/// 1..N in segment order. Overlapping layers cannot be one label map and are an error.
/// </summary>
internal static class LabelLayerMerger
{
    /// <param name="values">Samples in file order: the layer axis fastest.</param>
    public static (ushort[] Merged, List<SegmentInfo> Segments) Merge(NrrdHeader header, ushort[] values, int layers, List<SegmentInfo> segments)
    {
        bool unique = segments.Select(s => s.LabelValue).Distinct().Count() == segments.Count;
        var mergedSegments = segments
            .Select((s, n) => s with { LabelValue = unique ? s.LabelValue : n + 1, Layer = 0 })
            .ToList();
        if (mergedSegments.Count > ushort.MaxValue) throw header.Problem($"{segments.Count} segments are more than one uint16 label map holds");

        // lookup[layer][file value] = merged value + 1 (0: no segment uses that value in that layer)
        var lookup = new int[layers][];
        var owner = new SegmentInfo?[layers][];
        for (int l = 0; l < layers; l++)
        {
            lookup[l] = new int[ushort.MaxValue + 1];
            owner[l] = new SegmentInfo?[ushort.MaxValue + 1];
        }
        for (int n = 0; n < segments.Count; n++)
        {
            var s = segments[n];
            lookup[s.Layer][s.LabelValue] = mergedSegments[n].LabelValue + 1;
            owner[s.Layer][s.LabelValue] = s;
        }

        long voxels = values.LongLength / layers;
        var merged = new ushort[voxels];
        for (long v = 0; v < voxels; v++)
        {
            int found = -1;
            for (int l = 0; l < layers; l++)
            {
                ushort value = values[v * layers + l];
                if (value == 0) continue;
                int target = lookup[l][value];
                if (target == 0)
                    throw header.Problem($"layer {l} holds label value {value} at voxel {v}, but no segment in that layer has that value");
                if (found >= 0)
                {
                    var first = owner[found][values[v * layers + found]]!;
                    var second = owner[l][value]!;
                    throw header.Problem($"segments \"{first.Name}\" (layer {found}) and \"{second.Name}\" (layer {l}) overlap at voxel {v}; overlapping layers cannot be merged into one label map");
                }
                found = l;
                merged[v] = (ushort)(target - 1);
            }
        }
        return (merged, mergedSegments);
    }
}
