using RenalGrpc.Training.Classification;

namespace RenalGrpc.Training.Tests;

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

    [Fact]
    public void No_zoom_no_shift_no_growth_is_the_identity()
    {
        var stack = Stack((3, 3), (3, 4));
        Assert.Equal(stack, CropJitter.Apply(stack, Size, 1, 0, 0, 0));
    }

    [Fact]
    public void A_shift_moves_every_channel_and_a_zoom_keeps_the_centre()
    {
        var stack = Stack((5, 2));
        var shifted = CropJitter.Apply(stack, Size, 1, 2, -1, 0);
        // Output (r, c) reads source (r + 2, c - 1): the ramp rises by 20 - 1, the mask pixel moves to (3, 3).
        Assert.Equal(10 * 3 + 2, shifted[1 * Size + 3], 4);
        Assert.Equal(new[] { 3 * Size + 3 }, MaskPixels(shifted));

        var zoomed = CropJitter.Apply(stack, Size, 1.5, 0, 0, 0);
        // The centre (3.5, 3.5) stays; a pixel 0.5 from it reads 0.75 from it: 10 * 3.5 + 3.5 -+ 0.75 * 11.
        Assert.Equal(38.5 - 0.75 * 11, zoomed[3 * Size + 3], 4);
        Assert.Equal(38.5 + 0.75 * 11, zoomed[4 * Size + 4], 4);
        Assert.All(zoomed.Skip(Size * Size), v => Assert.True(v is 0f or 1f));
    }

    [Fact]
    public void The_mask_grows_and_shrinks_by_one_pixel()
    {
        var grown = CropJitter.Apply(Stack((4, 4)), Size, 1, 0, 0, 1);
        Assert.Equal(new[] { 3 * Size + 4, 4 * Size + 3, 4 * Size + 4, 4 * Size + 5, 5 * Size + 4 }, MaskPixels(grown));

        var block = Stack((3, 3), (3, 4), (3, 5), (4, 3), (4, 4), (4, 5), (5, 3), (5, 4), (5, 5));
        Assert.Equal(new[] { 4 * Size + 4 }, MaskPixels(CropJitter.Apply(block, Size, 1, 0, 0, -1)));
        // The image channel is not touched by the mask's growth.
        Assert.Equal(block.Take(Size * Size), CropJitter.Apply(block, Size, 1, 0, 0, -1).Take(Size * Size));
    }

    [Fact]
    public void Bad_arguments_are_refused()
    {
        var stack = Stack((1, 1));
        Assert.Throws<ArgumentException>(() => CropJitter.Apply(stack, 7, 1, 0, 0, 0));
        Assert.Throws<ArgumentException>(() => CropJitter.Apply(stack, Size, 0, 0, 0, 0));
        Assert.Throws<ArgumentException>(() => CropJitter.Apply(stack, Size, 1, 0, 0, 2));
        Assert.Throws<ArgumentException>(() => new ClassifierTrainingOptions { CropJitter = 1.5 }.Validate());
    }
}
