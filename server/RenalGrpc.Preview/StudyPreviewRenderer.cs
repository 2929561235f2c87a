using RenalGrpc.Imaging;
using SkiaSharp;

namespace RenalGrpc.Preview;

/// <summary>
/// Draws a multi-phase study as one PNG: a title line, then each phase's chosen axial slice side by
/// side (same mm per pixel in every panel) with its caption above and label contours on top.
/// </summary>
public static class StudyPreviewRenderer
{
    private const int Margin = 8;
    private const int TitleHeight = 30;
    private const int CaptionHeight = 22;

    public static StudyPicture Render(IReadOnlyList<PhaseView> phases, PreviewOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(phases);
        options ??= new PreviewOptions();
        if (options.PanelPixels < 16) throw new ArgumentOutOfRangeException(nameof(options), options.PanelPixels, "PanelPixels must be at least 16");
        if (phases.Count == 0) throw new ImagingException("a preview needs at least one phase");
        foreach (var phase in phases) phase.Validate();

        var slices = SliceSelection.Choose(phases);
        double mmPerPixel = MmPerPixel(phases, options.PanelPixels);
        var panels = phases.Select((p, n) => AxialPanel.Build(p, slices[n], mmPerPixel, options.Window)).ToList();

        bool hasTitle = !string.IsNullOrWhiteSpace(options.Title);
        int top = Margin + (hasTitle ? TitleHeight : 0) + CaptionHeight;
        int width = Margin + panels.Sum(p => p.Width + Margin);
        int height = top + panels.Max(p => p.Height) + Margin;

        using var bitmap = new SKBitmap(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Premul));
        bitmap.Erase(new SKColor(24, 24, 24));
        var placements = new List<PanelPlacement>(panels.Count);
        int left = Margin;
        for (int n = 0; n < panels.Count; n++)
        {
            var panel = panels[n];
            DrawPanel(bitmap, panel, left, top, options.Contours);
            placements.Add(new PanelPlacement(phases[n].Name, slices[n], left, top, panel.Width, panel.Height, mmPerPixel, panel.FlipI, panel.FlipJ));
            left += panel.Width + Margin;
        }
        DrawCaptions(bitmap, phases, placements, hasTitle ? options.Title : null);

        using var image = SKImage.FromBitmap(bitmap);
        using var data = image.Encode(SKEncodedImageFormat.Png, 100);
        return new StudyPicture(data.ToArray(), width, height, placements);
    }

    /// <summary>One scale for all panels: the largest in-plane extent of any phase fills <paramref name="panelPixels"/>.</summary>
    public static double MmPerPixel(IReadOnlyList<PhaseView> phases, int panelPixels)
    {
        double extent = phases.Max(p => Math.Max(p.Image.Size.I * p.Image.Geometry.Spacing.X, p.Image.Size.J * p.Image.Geometry.Spacing.Y));
        if (!(extent > 0) || !double.IsFinite(extent)) throw new ImagingException($"in-plane extent {extent} mm is not positive");
        return extent / panelPixels;
    }

    private static void DrawPanel(SKBitmap bitmap, AxialPanel panel, int left, int top, bool contours)
    {
        for (int y = 0; y < panel.Height; y++)
            for (int x = 0; x < panel.Width; x++)
            {
                byte g = panel.Gray[y * panel.Width + x];
                var colour = new SKColor(g, g, g);
                if (contours && panel.IsContour(x, y) && KidneyLabels.Find(panel.Labels[y * panel.Width + x]) is { } label)
                    colour = new SKColor(label.Red, label.Green, label.Blue);
                bitmap.SetPixel(left + x, top + y, colour);
            }
    }

    private static void DrawCaptions(SKBitmap bitmap, IReadOnlyList<PhaseView> phases, IReadOnlyList<PanelPlacement> placements, string? title)
    {
        var typeface = CaptionTypeface.Load();
        if (typeface is null) return; // no font on this machine: the picture stays readable without words
        using var canvas = new SKCanvas(bitmap);
        using var paint = new SKPaint { Color = SKColors.White, IsAntialias = true };
        using var titleFont = new SKFont(typeface, 18);
        using var captionFont = new SKFont(typeface, 14);
        if (title is not null) canvas.DrawText(title, Margin, Margin + 20, SKTextAlign.Left, titleFont, paint);
        for (int n = 0; n < placements.Count; n++)
        {
            var p = placements[n];
            string description = PhaseView.Describe(phases[n].Name);
            string caption = $"{phases[n].Name}{(description.Length > 0 ? " " + description : "")}   k={p.SliceK}";
            canvas.DrawText(caption, p.Left, p.Top - 6, SKTextAlign.Left, captionFont, paint);
        }
    }
}
