using RenalGrpc.Imaging;
using SkiaSharp;

namespace RenalGrpc.Preview.Tests;

public sealed class RenderingTests
{
    private static readonly SKColor TumourColour = new(241, 214, 69);

    private static (StudyPicture Picture, SKBitmap Bitmap) RenderStudy(bool labelsOnA = true)
    {
        var phases = new[] { SyntheticStudy.Phase("N", SyntheticStudy.GridN, true), SyntheticStudy.Phase("A", SyntheticStudy.GridA, labelsOnA) };
        var picture = StudyPreviewRenderer.Render(phases, new PreviewOptions { PanelPixels = 256, Title = "case_00007 ccRCC" });
        var bitmap = SKBitmap.Decode(picture.Png) ?? throw new InvalidOperationException("PNG did not decode");
        return (picture, bitmap);
    }

    /// <summary>The picture pixel showing LPS point (x, y) of a panel (i along x, j along y, no flips).</summary>
    private static SKColor PixelAt(SKBitmap bitmap, PanelPlacement panel, Geometry grid, double x, double y)
    {
        // Display pixel 0 starts at the first voxel's outer edge, half a voxel before its centre.
        int px = (int)Math.Floor((x - grid.Origin.X + grid.Spacing.X / 2) / panel.MmPerPixel);
        int py = (int)Math.Floor((y - grid.Origin.Y + grid.Spacing.Y / 2) / panel.MmPerPixel);
        return bitmap.GetPixel(panel.Left + px, panel.Top + py);
    }

    [Fact]
    public void PngHasThePanelsSideBySide()
    {
        var (picture, bitmap) = RenderStudy();
        using var _ = bitmap;
        Assert.Equal(picture.Width, bitmap.Width);
        Assert.Equal(picture.Height, bitmap.Height);
        Assert.Equal(["N", "A"], picture.Panels.Select(p => p.Phase));
        Assert.Equal([12, 20], picture.Panels.Select(p => p.SliceK));
        var (n, a) = (picture.Panels[0], picture.Panels[1]);
        Assert.True(a.Left >= n.Left + n.Width, "panels overlap");
        Assert.True(a.Left + a.Width <= bitmap.Width && n.Top + n.Height <= bitmap.Height);
        Assert.Equal(256, Math.Max(n.Width, n.Height)); // the 64 mm field of view fills the requested size
    }

    [Fact]
    public void AnisotropicPixelsKeepTheTrueAspectRatio()
    {
        var (picture, bitmap) = RenderStudy();
        using var _ = bitmap;
        var a = picture.Panels[1];
        // Phase A has 80 x 30 voxels of 0.8 x 1.6 mm: 64 x 48 mm, so 4:3 on screen (not 8:3 as voxel counts would give).
        Assert.Equal(256, a.Width);
        Assert.Equal(192, a.Height);
        // The tumour is round on screen: its horizontal and vertical extents through the centre agree.
        int cx = (int)((36 + 0.4) / a.MmPerPixel) + a.Left, cy = (int)((24 + 0.8) / a.MmPerPixel) + a.Top;
        int Run(int dx, int dy)
        {
            int steps = 0;
            while (bitmap.GetPixel(cx + dx * (steps + 1), cy + dy * (steps + 1)) != TumourColour && steps < 100) steps++;
            return steps + 1;
        }
        int horizontal = Run(1, 0) + Run(-1, 0), vertical = Run(0, 1) + Run(0, -1);
        Assert.InRange(Math.Abs(horizontal - vertical), 0, 8);
        Assert.InRange(horizontal * a.MmPerPixel, 12, 16); // diameter 14 mm
    }

    [Fact]
    public void SoftTissueWindowMapsAirToBlackAndBoneToWhite()
    {
        var (picture, bitmap) = RenderStudy();
        using var _ = bitmap;
        foreach (var (panel, grid) in new[] { (picture.Panels[0], SyntheticStudy.GridN), (picture.Panels[1], SyntheticStudy.GridA) })
        {
            Assert.Equal(new SKColor(0, 0, 0), PixelAt(bitmap, panel, grid, 1, 1));       // -1000 HU air
            Assert.Equal(new SKColor(255, 255, 255), PixelAt(bitmap, panel, grid, 52, 12)); // 300 HU bone
            Assert.Equal(new SKColor(128, 128, 128), PixelAt(bitmap, panel, grid, 10, 38)); // 40 HU = the level: mid grey
        }
        Assert.Equal(0, HounsfieldWindow.SoftTissue.ToGray(-160));
        Assert.Equal(255, HounsfieldWindow.SoftTissue.ToGray(240));
        Assert.Equal(64, HounsfieldWindow.SoftTissue.ToGray(-60));
    }

    [Fact]
    public void TumourContourIsDrawnAroundTheLesionOnly()
    {
        var (picture, bitmap) = RenderStudy();
        using var _ = bitmap;
        var n = picture.Panels[0];
        // Inside the tumour: its own grey (60 HU -> 140), no contour.
        Assert.Equal(new SKColor(140, 140, 140), PixelAt(bitmap, n, SyntheticStudy.GridN, 36, 24));
        // Along the row through the centre, tumour-coloured pixels exist only at the border, 7 mm from the centre.
        int row = n.Top + (int)((24 + 0.5) / n.MmPerPixel);
        var tumourColumns = Enumerable.Range(n.Left, n.Width).Where(x => bitmap.GetPixel(x, row) == TumourColour)
            .Select(x => (x - n.Left) * n.MmPerPixel - 0.5).ToList();
        Assert.NotEmpty(tumourColumns);
        Assert.All(tumourColumns, x => Assert.InRange(Math.Abs(Math.Abs(x - 36) - 7), 0, 1.5));
        Assert.Contains(tumourColumns, x => x < 36);
        Assert.Contains(tumourColumns, x => x > 36);
        // The kidney's colour appears too, and no tumour colour far from the lesion.
        var kidney = new SKColor(185, 102, 83);
        Assert.Contains(Enumerable.Range(n.Left, n.Width), x => bitmap.GetPixel(x, row) == kidney);
        Assert.NotEqual(TumourColour, PixelAt(bitmap, n, SyntheticStudy.GridN, 12, 24));
    }

    [Fact]
    public void PhaseWithoutLabelsHasNoContours()
    {
        var (picture, bitmap) = RenderStudy(labelsOnA: false);
        using var _ = bitmap;
        var a = picture.Panels[1];
        for (int y = a.Top; y < a.Top + a.Height; y++)
            for (int x = a.Left; x < a.Left + a.Width; x++)
            {
                var c = bitmap.GetPixel(x, y);
                Assert.True(c.Red == c.Green && c.Green == c.Blue, $"coloured pixel at ({x}, {y}) in an unlabelled panel");
            }
    }

    [Fact]
    public void PatientRightIsOnTheImageLeftWhateverTheIndexDirection()
    {
        // A grid whose i axis runs towards the patient's right must be mirrored so the picture looks the same.
        var standard = SyntheticStudy.GridN;
        var mirroredDirection = new Matrix3(-1, 0, 0, 0, 1, 0, 0, 0, 1);
        var mirrored = standard with { Direction = mirroredDirection, Origin = new Vec3(63, 0, 0) };
        var a = AxialPanel.Build(SyntheticStudy.Phase("N", standard, true), 12, 1.0, HounsfieldWindow.SoftTissue);
        var b = AxialPanel.Build(SyntheticStudy.Phase("N", mirrored, true), 12, 1.0, HounsfieldWindow.SoftTissue);
        Assert.False(a.FlipI);
        Assert.True(b.FlipI);
        Assert.Equal(a.Gray, b.Gray);
        Assert.Equal(a.Labels, b.Labels);
        // And the bone block (LPS x 48..56, patient's left) is on the right half of the image.
        int boneColumn = Enumerable.Range(0, a.Width).First(x => a.Gray[12 * a.Width + x] == 255);
        Assert.True(boneColumn > a.Width / 2);
    }
}
