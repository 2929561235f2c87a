using RenalGrpc.Engine.Classification;
using RenalGrpc.Engine.Preprocessing;
using RenalGrpc.Imaging;

namespace RenalGrpc.Engine.Tests.Classification;

public sealed class LesionCropsTests
{
    // 40 x 30 x 8 voxels of 1 x 2 x 4 mm: different in-plane spacings make the mm margin per axis visible.
    private static readonly Geometry Grid = Geometry.Axial(new GridSize(40, 30, 8), new Vec3(1, 2, 4), new Vec3(0, 0, 0));

    private static byte[] Rectangle(int k, int i0, int j0, int i1, int j1, byte[]? into = null)
    {
        var mask = into ?? new byte[Grid.VoxelCount];
        for (int j = j0; j <= j1; j++)
            for (int i = i0; i <= i1; i++) mask[Grid.Size.Index(i, j, k)] = 1;
        return mask;
    }

    private static Volume Image(Func<int, int, int, float> hu)
    {
        var values = new float[Grid.VoxelCount];
        for (int k = 0; k < Grid.Size.K; k++)
            for (int j = 0; j < Grid.Size.J; j++)
                for (int i = 0; i < Grid.Size.I; i++) values[Grid.Size.Index(i, j, k)] = hu(i, j, k);
        return Volume.FromVoxels<float>(Grid, values);
    }

    [Fact]
    public void TheSliceWithTheLargestLesionAreaIsChosen()
    {
        var mask = Rectangle(2, 5, 5, 8, 8);                 // 16 voxels
        Rectangle(5, 10, 8, 19, 13, mask);                   // 60 voxels
        Rectangle(6, 10, 8, 14, 13, mask);                   // 30 voxels
        Assert.Equal((5, 60L), LesionCrops.LargestSlice(mask, Grid.Size));
        var crop = LesionCrops.Crop(Image((i, j, k) => 40 * k), mask, new CropOptions { Size = 16 }, IntensityNormalization.Paper);
        Assert.NotNull(crop);
        Assert.Equal(5, crop.Box.K);
        Assert.Equal(60, crop.LesionArea);
        Assert.All(crop.Image, v => Assert.Equal(IntensityNormalization.Paper.Apply(200), v, 5));
    }

    [Fact]
    public void BoxIsTheLesionBoundingBoxPlusTheMarginInMillimetresPerAxis()
    {
        var mask = Rectangle(5, 10, 8, 19, 13);
        // 5 mm is 5 pixels along i (1 mm) and 3 pixels along j (2 mm, rounded up).
        Assert.Equal(new SliceBox(5, 5, 5, 24, 16), LesionCrops.BoxOnSlice(mask, Grid, 5, 5));
        Assert.Equal(new SliceBox(5, 10, 8, 19, 13), LesionCrops.BoxOnSlice(mask, Grid, 5, 0));
        // Clamped at the grid's edges.
        var corner = Rectangle(1, 0, 27, 3, 29);
        Assert.Equal(new SliceBox(1, 0, 24, 8, 29), LesionCrops.BoxOnSlice(corner, Grid, 1, 5));
        Assert.Null(LesionCrops.BoxOnSlice(mask, Grid, 4, 5));
    }

    [Fact]
    public void CropIsStretchedToASquareWithTheMaskResizedToZeroOrOne()
    {
        var mask = Rectangle(5, 10, 8, 19, 13);
        // HU rises along i only: the crop must rise along its columns and be flat along its rows.
        var crop = LesionCrops.Crop(Image((i, j, k) => 10 * i), mask, new CropOptions { Size = 32, MarginMm = 5 }, IntensityNormalization.Paper)!;
        Assert.Equal(new SliceBox(5, 5, 5, 24, 16), crop.Box);
        Assert.Equal(32 * 32, crop.Image.Length);
        Assert.All(crop.Mask, v => Assert.True(v is 0f or 1f));
        for (int v = 0; v < 32; v++)
        {
            for (int u = 1; u < 32; u++) Assert.True(crop.Image[v * 32 + u] > crop.Image[v * 32 + u - 1]);
            Assert.Equal(crop.Image[u0(v)], crop.Image[u0(0)], 5);
        }
        static int u0(int v) => v * 32 + 7;
        // The lesion covers 10 of 20 columns and 6 of 12 rows of the box: about a quarter of the crop, centred.
        double fraction = crop.Mask.Average();
        Assert.InRange(fraction, 0.2, 0.3);
        Assert.Equal(1f, crop.Mask[16 * 32 + 16]);
        Assert.Equal(0f, crop.Mask[0]);
        // Raw HU are clipped and z-scored with the paper's constants: i = 5 is 50 HU.
        Assert.InRange(crop.Image[0], IntensityNormalization.Paper.Apply(50) - 1e-4, IntensityNormalization.Paper.Apply(60));
    }

    [Fact]
    public void ValuesOutsideTheWindowAreClippedAndAnEmptyMaskGivesNoCrop()
    {
        var mask = Rectangle(3, 10, 10, 12, 12);
        var crop = LesionCrops.Crop(Image((i, j, k) => 2000), mask, new CropOptions { Size = 8 }, IntensityNormalization.Paper)!;
        Assert.All(crop.Image, v => Assert.Equal((float)((347 - 112.75) / 97.87), v, 5));
        Assert.Null(LesionCrops.Crop(Image((i, j, k) => 0), new byte[Grid.VoxelCount], new CropOptions(), IntensityNormalization.Paper));
        Assert.Throws<ArgumentException>(() => LesionCrops.LargestSlice(new byte[10], Grid.Size));
    }

    [Fact]
    public void BilinearResizeMatchesAlignCornersFalse()
    {
        // 2 pixels to 4: centres at -0.25, 0.25, 0.75, 1.25 of the source -> clamped, then interpolated.
        var resized = LesionCrops.ResizeBilinear(new float[] { 0, 1, 0, 1 }, 2, 2, 4);
        Assert.Equal(new float[] { 0, 0.25f, 0.75f, 1 }, resized[..4]);
        Assert.Equal(resized[..4], resized[12..]);
    }
}
