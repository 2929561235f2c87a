namespace RenalGrpc.Imaging.Components;

/// <summary>Which neighbours of a voxel belong to the same component.</summary>
public enum Connectivity
{
    /// <summary>Face neighbours only (scipy generate_binary_structure(3, 1)).</summary>
    Six = 6,

    /// <summary>Face, edge and corner neighbours (scipy generate_binary_structure(3, 3)).</summary>
    TwentySix = 26,
}
