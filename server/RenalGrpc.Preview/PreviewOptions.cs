namespace RenalGrpc.Preview;

/// <summary>How a study preview is drawn.</summary>
public sealed record PreviewOptions
{
    /// <summary>Display pixels for the largest in-plane extent (mm) of all phases; every panel shares that scale.</summary>
    public int PanelPixels { get; init; } = 384;

    public HounsfieldWindow Window { get; init; } = HounsfieldWindow.SoftTissue;

    /// <summary>Title line (case id, subtype); none when null or empty.</summary>
    public string? Title { get; init; }

    /// <summary>Draw label contours of phases that have labels.</summary>
    public bool Contours { get; init; } = true;
}

/// <summary>Where one phase was drawn in the picture and which slice it shows.</summary>
public sealed record PanelPlacement(string Phase, int SliceK, int Left, int Top, int Width, int Height, double MmPerPixel, bool FlipI, bool FlipJ);

/// <summary>A rendered preview: the PNG and the placement of each phase's panel.</summary>
public sealed record StudyPicture(byte[] Png, int Width, int Height, IReadOnlyList<PanelPlacement> Panels);
