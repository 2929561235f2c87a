namespace RenalGrpc.Imaging.Nrrd;

/// <summary>
/// One segment of a label map: the voxels equal to <see cref="LabelValue"/> in layer
/// <see cref="Layer"/>. Colour components are 0..1. <see cref="Terminology"/> is Slicer's
/// TerminologyEntry tag value ("context~category~type~..."), or null.
/// </summary>
public sealed record SegmentInfo(
    string Id,
    string Name,
    int LabelValue,
    int Layer,
    (double R, double G, double B) Colour,
    string? Terminology);

/// <summary>A segmentation as one label map (uint8 or uint16 voxels) and the segments it holds.</summary>
public sealed record SegmentationLabelMap(Volume Labels, IReadOnlyList<SegmentInfo> Segments);
