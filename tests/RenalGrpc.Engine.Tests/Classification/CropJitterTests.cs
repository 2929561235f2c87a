using RenalGrpc.Engine.Classification;

namespace RenalGrpc.Engine.Tests.Classification;

public sealed class CropJitterTests
{
    private const int Size = 8;

    /// <summary>Two channels: an image ramp 10 * row + column, and a mask.</summary>
    private static float[] Stack(params (int Row, int Column)[] maskPixels)
    {
        var stack = new float[2 * Size * Size];
        for (int r = 0; r < Size; r++)
            for (int c = 0; c < Size; c++) stack[r * Size + c] = 10 * r + c;
        foreach (var (r, c) in maskPixels) stack[Size * Size + r * Size + c] = 1;
        return stack;
    }

    private static int[] MaskPixels(float[] stack) =>
        Enumerable.Range(0, Size * Size).Where(n => stack[Size * Size + n] != 0).ToArray();

    private static JitterDraw Shift(double rows, double columns) => new(1, 1, rows, columns, 0);

    [Fact]
    public void No_zoom_no_shift_no_growth_is_the_identity()
    {
        var stack = Stack((3, 3), (3, 4));
        Assert.Equal(stack, CropJitter.Apply(stack, Size, Shift(0, 0)));
    }

    [Fact]
    public void A_shift_moves_the_image_under_the_mask_and_a_zoom_keeps_the_centre()
    {
        var stack = Stack((5, 2));
        var shifted = CropJitter.Apply(stack, Size, Shift(2, -1));
        // Output (r, c) reads the image at (r + 2, c - 1); the mask stays where the box centres it.
        Assert.Equal(10 * 3 + 2, shifted[1 * Size + 3], 4);
        Assert.Equal(new[] { 5 * Size + 2 }, MaskPixels(shifted));

        var zoomed = CropJitter.Apply(stack, Size, new JitterDraw(1.5, 1.5, 0, 0, 0));
        // The centre (3.5, 3.5) stays; a pixel 0.5 from it reads 0.75 from it: 10 * 3.5 + 3.5 -+ 0.75 * 11.
        Assert.Equal(38.5 - 0.75 * 11, zoomed[3 * Size + 3], 4);
        Assert.Equal(38.5 + 0.75 * 11, zoomed[4 * Size + 4], 4);
        Assert.All(zoomed.Skip(Size * Size), v => Assert.True(v is 0f or 1f));
    }

    [Fact]
    public void The_mask_grows_and_shrinks_but_never_vanishes()
    {
        var grown = CropJitter.Apply(Stack((4, 4)), Size, new JitterDraw(1, 1, 0, 0, 1));
        Assert.Equal(new[] { 3 * Size + 4, 4 * Size + 3, 4 * Size + 4, 4 * Size + 5, 5 * Size + 4 }, MaskPixels(grown));
        Assert.Equal(13, MaskPixels(CropJitter.Apply(Stack((4, 4)), Size, new JitterDraw(1, 1, 0, 0, 2))).Length);

        var block = Stack((3, 3), (3, 4), (3, 5), (4, 3), (4, 4), (4, 5), (5, 3), (5, 4), (5, 5));
        var shrunk = CropJitter.Apply(block, Size, new JitterDraw(1, 1, 0, 0, -1));
        Assert.Equal(new[] { 4 * Size + 4 }, MaskPixels(shrunk));
        Assert.Equal(block.Take(Size * Size), shrunk.Take(Size * Size));
        // Two steps would clear it: the last pixel left is kept.
        Assert.Equal(new[] { 4 * Size + 4 }, MaskPixels(CropJitter.Apply(block, Size, new JitterDraw(1, 1, 0, 0, -2))));
    }

    [Fact]
    public void Draws_are_a_voxel_of_the_lesion_box_in_crop_pixels()
    {
        // An 8 x 8 voxel box cut to 64 pixels: a voxel is 8 pixels; grown by a voxel the box is 10 wide, shrunk 6.
        var random = new Random(3);
        var draws = Enumerable.Range(0, 200).Select(_ => CropJitter.Draw(8, 8, 64, random)).ToArray();
        Assert.All(draws, d => Assert.Contains(d.ShiftRows, new[] { -8.0, 0, 8 }));
        Assert.All(draws, d => Assert.Contains(d.ShiftColumns, new[] { -8.0, 0, 8 }));
        Assert.Equal(new[] { (0.75, -11), (1.0, 0), (1.25, 6) }, draws.Select(d => (d.ZoomColumns, d.MaskGrowPixels)).Distinct().Order());
        Assert.All(draws, d => Assert.Equal(d.ZoomRows, d.ZoomColumns));
        // A lesion box of two voxels is never shrunk.
        Assert.All(Enumerable.Range(0, 50).Select(_ => CropJitter.Draw(2, 5, 64, random)), d => Assert.True(d.MaskGrowPixels >= 0));
    }

    [Fact]
    public void All_draws_are_every_draw_a_random_one_can_make_each_once_the_identity_first()
    {
        var all = CropJitter.AllDraws(8, 8, 64);
        Assert.Equal(27, all.Count);
        Assert.Equal(new JitterDraw(1, 1, 0, 0, 0), all[0]);
        Assert.Equal(all.Count, all.Distinct().Count());
        var random = new Random(4);
        Assert.All(Enumerable.Range(0, 300).Select(_ => CropJitter.Draw(8, 8, 64, random)), d => Assert.Contains(d, all));
        // A box too small to shrink: the shrunk draws are the unshrunk ones, so 18 remain.
        Assert.Equal(18, CropJitter.AllDraws(2, 5, 64).Count);
        Assert.Throws<ArgumentException>(() => CropJitter.AllDraws(0, 5, 64));
    }

    [Fact]
    public void Bad_arguments_are_refused()
    {
        var stack = Stack((1, 1));
        Assert.Throws<ArgumentException>(() => CropJitter.Apply(stack, 7, Shift(0, 0)));
        Assert.Throws<ArgumentException>(() => CropJitter.Apply(stack.AsSpan(0, Size * Size), Size, Shift(0, 0)));
        Assert.Throws<ArgumentException>(() => CropJitter.Apply(stack, Size, new JitterDraw(0, 1, 0, 0, 0)));
        Assert.Throws<ArgumentException>(() => CropJitter.Draw(0, 4, 64, new Random(1)));
    }
}
