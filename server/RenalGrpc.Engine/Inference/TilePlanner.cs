namespace RenalGrpc.Engine.Inference;

/// <summary>
/// Where the tiles of a sliding-window pass go. Axes are in tensor order (z, y, x). When the image
/// is smaller than the tile on an axis it is padded (split evenly, the odd voxel after) to the tile
/// size first; <see cref="PaddedShape"/> and the padding say how, so the caller can crop back.
/// </summary>
public sealed record TilePlan(int[] ImageShape, int[] TileShape, int[] PadBefore, int[] PadAfter, int[][] Starts)
{
    public int[] PaddedShape => ImageShape.Select((n, a) => n + PadBefore[a] + PadAfter[a]).ToArray();

    public bool NeedsPadding => PadBefore.Any(p => p > 0) || PadAfter.Any(p => p > 0);

    public int TileCount => Starts.Aggregate(1, (count, axis) => count * axis.Length);

    /// <summary>Every tile's start (z, y, x) in the padded image, the last axis fastest.</summary>
    public IEnumerable<int[]> TileStarts()
    {
        var index = new int[Starts.Length];
        for (int n = 0; n < TileCount; n++)
        {
            int rest = n;
            for (int a = Starts.Length - 1; a >= 0; a--)
            {
                index[a] = Starts[a][rest % Starts[a].Length];
                rest /= Starts[a].Length;
            }
            yield return (int[])index.Clone();
        }
    }
}

/// <summary>nnU-Net's tile placement, as a pure function.</summary>
public static class TilePlanner
{
    /// <summary>
    /// Per axis: the fewest tiles whose step is at most stepFraction * tile, spread evenly so the
    /// first starts at 0 and the last ends flush with the (padded) edge.
    /// </summary>
    public static TilePlan Plan(int[] imageShape, int[] tileShape, double stepFraction = 0.5)
    {
        ArgumentNullException.ThrowIfNull(imageShape);
        ArgumentNullException.ThrowIfNull(tileShape);
        if (imageShape.Length != tileShape.Length)
            throw new ArgumentException($"image has {imageShape.Length} axes, tile {tileShape.Length}");
        if (imageShape.Any(n => n < 1) || tileShape.Any(n => n < 1))
            throw new ArgumentException($"image [{string.Join(", ", imageShape)}] and tile [{string.Join(", ", tileShape)}] sizes must be positive");
        if (!(stepFraction > 0 && stepFraction <= 1))
            throw new ArgumentException($"step fraction {stepFraction} must be in (0, 1]");

        int axes = imageShape.Length;
        var padBefore = new int[axes];
        var padAfter = new int[axes];
        var starts = new int[axes][];
        for (int a = 0; a < axes; a++)
        {
            int missing = Math.Max(0, tileShape[a] - imageShape[a]);
            padBefore[a] = missing / 2;
            padAfter[a] = missing - padBefore[a];
            starts[a] = AxisStarts(imageShape[a] + missing, tileShape[a], stepFraction);
        }
        return new TilePlan((int[])imageShape.Clone(), (int[])tileShape.Clone(), padBefore, padAfter, starts);
    }

    /// <summary>Starts along one axis of length size (>= tile).</summary>
    public static int[] AxisStarts(int size, int tile, double stepFraction)
    {
        if (size < tile) throw new ArgumentException($"axis of {size} voxels is shorter than the tile ({tile}); pad first");
        double maxStep = tile * stepFraction;
        int count = (int)Math.Ceiling((size - tile) / maxStep) + 1;
        if (count == 1) return new[] { 0 };
        double step = (double)(size - tile) / (count - 1);
        var starts = new int[count];
        for (int n = 0; n < count; n++) starts[n] = (int)Math.Round(step * n, MidpointRounding.ToEven);
        return starts;
    }
}
