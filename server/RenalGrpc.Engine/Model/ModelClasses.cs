namespace RenalGrpc.Engine.Model;

/// <summary>Fixed class conventions (DESIGN.md section 2); the order is the network's output order.</summary>
public static class ModelClasses
{
    /// <summary>Segmentation classes; the index is the KiTS23 label value.</summary>
    public static readonly IReadOnlyList<string> SegmentationLabels = new[] { "background", "kidney", "tumor", "cyst" };

    /// <summary>Subtype classes in the paper's order.</summary>
    public static readonly IReadOnlyList<string> Subtypes = RenalGrpc.Imaging.RenalSubtypes.Names;

    /// <summary>Phase names: unenhanced, corticomedullary, nephrographic, excretory.</summary>
    public static readonly IReadOnlyList<string> Phases = new[] { "N", "A", "P", "D" };
}
