using RenalGrpc.Imaging;

namespace RenalGrpc.Preview;

/// <summary>
/// One phase's axial slice resampled (nearest neighbour) to display pixels of a common size in mm, so
/// anisotropic in-plane spacing keeps its true aspect ratio. Shown in radiological convention: the
/// patient's right on the image left (LPS +x to the right) and anterior at the top (LPS +y downwards);
/// an axis whose direction points the other way is flipped. Oblique grids are shown in index space
/// with those flips only.
/// </summary>
public sealed class AxialPanel
{
    private AxialPanel(int width, int height, byte[] gray, byte[] labels, bool flipI, bool flipJ)
    {
        Width = width;
        Height = height;
        Gray = gray;
        Labels = labels;
        FlipI = flipI;
        FlipJ = flipJ;
    }

    public int Width { get; }
    public int Height { get; }

    /// <summary>Windowed grey value of each display pixel, row by row.</summary>
    public byte[] Gray { get; }

    /// <summary>Label of each display pixel (all 0 without a label map).</summary>
    public byte[] Labels { get; }

    /// <summary>True when i runs towards the patient's right and was mirrored.</summary>
    public bool FlipI { get; }

    /// <summary>True when j runs anteriorly and was mirrored.</summary>
    public bool FlipJ { get; }

    /// <summary>Display size of a grid's axial slice at <paramref name="mmPerPixel"/>.</summary>
    public static (int Width, int Height) DisplaySize(Geometry geometry, double mmPerPixel) =>
        (Math.Max(1, (int)Math.Round(geometry.Size.I * geometry.Spacing.X / mmPerPixel)),
         Math.Max(1, (int)Math.Round(geometry.Size.J * geometry.Spacing.Y / mmPerPixel)));

    public static AxialPanel Build(PhaseView phase, int k, double mmPerPixel, HounsfieldWindow window)
    {
        ArgumentNullException.ThrowIfNull(phase);
        var geometry = phase.Image.Geometry;
        var size = geometry.Size;
        if (k < 0 || k >= size.K) throw new ImagingException($"phase {phase.Name}: slice {k} is outside 0..{size.K - 1}");
        if (!(mmPerPixel > 0)) throw new ArgumentOutOfRangeException(nameof(mmPerPixel), mmPerPixel, "must be positive");
        var (width, height) = DisplaySize(geometry, mmPerPixel);
        bool flipI = geometry.Direction[0, 0] < 0;
        bool flipJ = geometry.Direction[1, 1] < 0;
        var columnOf = SourceIndices(width, size.I, geometry.Spacing.X, mmPerPixel, flipI);
        var rowOf = SourceIndices(height, size.J, geometry.Spacing.Y, mmPerPixel, flipJ);

        long sliceStart = (long)k * size.I * size.J;
        var gray = new byte[width * height];
        var labels = new byte[width * height];
        // Window the slice once, then sample it; display pixels outnumber voxels when zooming in.
        var slice = new byte[size.I * size.J];
        for (int n = 0; n < slice.Length; n++) slice[n] = window.ToGray(phase.Image.GetFloat(sliceStart + n));
        var sliceLabels = new byte[slice.Length];
        if (phase.Labels is { } labelMap)
            for (int n = 0; n < slice.Length; n++) sliceLabels[n] = (byte)Math.Clamp(labelMap.GetFloat(sliceStart + n), 0, 255);

        for (int y = 0; y < height; y++)
        {
            int rowStart = rowOf[y] * size.I;
            for (int x = 0; x < width; x++)
            {
                gray[y * width + x] = slice[rowStart + columnOf[x]];
                labels[y * width + x] = sliceLabels[rowStart + columnOf[x]];
            }
        }
        return new AxialPanel(width, height, gray, labels, flipI, flipJ);
    }

    /// <summary>The voxel index under the centre of each display pixel along one axis.</summary>
    private static int[] SourceIndices(int pixels, int voxels, double spacing, double mmPerPixel, bool flip)
    {
        var indices = new int[pixels];
        for (int p = 0; p < pixels; p++)
        {
            int index = Math.Clamp((int)Math.Floor((p + 0.5) * mmPerPixel / spacing), 0, voxels - 1);
            indices[p] = flip ? voxels - 1 - index : index;
        }
        return indices;
    }

    /// <summary>
    /// True for a labelled pixel on its label's border: a 4-neighbour has another label or lies outside
    /// the panel. Found at display resolution so the outline is one pixel wide at any zoom.
    /// </summary>
    public bool IsContour(int x, int y)
    {
        byte label = Labels[y * Width + x];
        if (label == 0) return false;
        if (x == 0 || y == 0 || x == Width - 1 || y == Height - 1) return true;
        int n = y * Width + x;
        return Labels[n - 1] != label || Labels[n + 1] != label || Labels[n - Width] != label || Labels[n + Width] != label;
    }
}
