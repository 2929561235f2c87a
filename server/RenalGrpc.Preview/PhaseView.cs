using RenalGrpc.Imaging;

namespace RenalGrpc.Preview;

/// <summary>One contrast phase of a study to draw: its image and, optionally, a label map on the same grid.</summary>
/// <param name="Name">Phase code: "N", "A", "P" or "D" (any other text is shown as given).</param>
/// <param name="Image">CT image in HU.</param>
/// <param name="Labels">KiTS23 label map (0..3) on the image's grid, or null.</param>
public sealed record PhaseView(string Name, Volume Image, Volume? Labels = null)
{
    /// <summary>The contrast phase a code stands for, for captions ("A" -> "corticomedullary").</summary>
    public static string Describe(string phaseName) => phaseName.ToUpperInvariant() switch
    {
        "N" => "unenhanced",
        "A" => "corticomedullary",
        "P" => "nephrographic",
        "D" => "excretory",
        _ => "",
    };

    /// <summary>Throws when the label map is not on the image's grid, so contours never land on the wrong voxels.</summary>
    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(Name)) throw new ImagingException("a phase has no name");
        ArgumentNullException.ThrowIfNull(Image);
        var size = Image.Size;
        if (size.I <= 0 || size.J <= 0 || size.K <= 0)
            throw new ImagingException($"phase {Name}: image size {size} has a zero dimension");
        if (Labels is not null && !Labels.Geometry.IsSameGrid(Image.Geometry))
            throw new ImagingException($"phase {Name}: labels ({Labels.Geometry}) are not on the image's grid ({Image.Geometry})");
    }
}
