using RenalGrpc.Engine.Preprocessing;
using RenalGrpc.Imaging;
using static TorchSharp.torch;

namespace RenalGrpc.Engine.Tests.Preprocessing;

public sealed class BodyCropTests
{
    private static readonly float Floor = IntensityNormalization.Paper.Lowest;

    /// <summary>A z x y x x image at the floor with the given voxels set to soft tissue.</summary>
    private static float[] Image(int[] shape, params (int Z, int Y, int X)[] body)
    {
        var values = new float[shape[0] * shape[1] * shape[2]];
        Array.Fill(values, Floor);
        foreach (var (z, y, x) in body) values[(z * shape[1] + y) * shape[2] + x] = IntensityNormalization.Paper.Apply(40);
        return values;
    }

    [Fact]
    public void Finds_the_bounding_box_of_the_body_grown_by_the_margin_and_kept_inside_the_image()
    {
        int[] shape = { 10, 12, 14 };
        var values = Image(shape, (3, 4, 2), (5, 8, 9), (4, 6, 5));
        // An interpolation of floor voxels that lands an ulp above the floor is not body.
        values[(9 * 12 + 11) * 14 + 13] = MathF.BitIncrement(Floor);
        var box = BodyCrop.Find(values, shape, Floor, new[] { 1, 2, 3 })!;
        Assert.Equal(new[] { 2, 2, 0 }, box.Start);                  // z 3-1, y 4-2, x 2-3 clamped to 0
        Assert.Equal(new[] { 5, 9, 13 }, box.Count);                 // z 2..6, y 2..10, x 0..12
        var inside = BodyCrop.Extract(values, shape, box);
        Assert.Equal(5 * 9 * 13, inside.Length);
        // Every body voxel is in the crop at its place minus the start.
        foreach (var (z, y, x) in new[] { (3, 4, 2), (5, 8, 9), (4, 6, 5) })
            Assert.Equal(values[(z * 12 + y) * 14 + x], inside[((z - 2) * 9 + y - 2) * 13 + x]);
        Assert.Equal(3, inside.Count(v => v > Floor + 1e-3f));
    }

    [Fact]
    public void An_image_without_body_is_not_cropped_and_bad_margins_are_refused()
    {
        int[] shape = { 4, 5, 6 };
        Assert.Null(BodyCrop.Find(Image(shape), shape, Floor, new[] { 0, 0, 0 }));
        Assert.Throws<ArgumentException>(() => BodyCrop.Find(new float[7], shape, Floor, new[] { 0, 0, 0 }));
        Assert.Throws<ArgumentException>(() => new BodyCrop(-1).Validate());
        Assert.Throws<ArgumentException>(() => new BodyCrop(double.NaN).Validate());
        Assert.Throws<ArgumentException>(() => new PhasePreprocessor(new Vec3(1, 1, 1), IntensityNormalization.Paper, null, new BodyCrop(-2)));
        // 5 mm at 2.5 x 2.5 x 5 mm is 2 voxels in-plane and 1 slice; 10 mm at 3 mm rounds up to 4.
        Assert.Equal(new[] { 1, 2, 2 }, new BodyCrop(5).MarginVoxels(new Vec3(2.5, 2.5, 5)));
        Assert.Equal(new[] { 4, 4, 4 }, new BodyCrop(10).MarginVoxels(new Vec3(3, 3, 3)));
    }

    /// <summary>A 12 mm soft-tissue block, off centre in a 60 x 50 x 40 mm field of air, at 1 x 1 x 2 mm.</summary>
    private static Volume BodyInAir()
    {
        var geometry = new Geometry(new GridSize(60, 50, 20), new Vec3(1, 1, 2), new Vec3(-30, 12, -5), Matrix3.Identity);
        var voxels = new short[geometry.VoxelCount];
        Array.Fill(voxels, (short)-1000);
        for (int k = 6; k < 12; k++)
        for (int j = 10; j < 22; j++)
        for (int i = 30; i < 42; i++)
            voxels[geometry.Size.Index(i, j, k)] = (short)(i < 36 ? 60 : 200);
        return Volume.FromVoxels<short>(geometry, voxels);
    }

    [Fact]
    public void The_preprocessor_hands_on_only_the_body_and_records_where_it_was()
    {
        var whole = new PhasePreprocessor(new Vec3(2, 2, 4), IntensityNormalization.Paper, new[] { 4, 4, 4 });
        var cropping = new PhasePreprocessor(new Vec3(2, 2, 4), IntensityNormalization.Paper, new[] { 4, 4, 4 }, new BodyCrop(4));
        using var all = whole.Run(BodyInAir());
        using var body = cropping.Run(BodyInAir());
        Assert.False(all.Record.WasCropped);
        Assert.True(body.Record.WasCropped);
        Assert.True(body.Record.Cropped.IsSameGrid(body.Record.ModelGrid)); // larger than the minimum shape: no padding
        Assert.True(body.Image.shape[1] * body.Image.shape[2] * body.Image.shape[3] * 4 < all.Image.shape[1] * all.Image.shape[2] * all.Image.shape[3]);
        // Same voxels in patient space: the crop's first voxel is the resampled grid's CropStart.
        var s = body.Record.CropStart;
        var first = body.Record.Cropped.IndexToPhysical(0, 0, 0);
        Assert.True((first - body.Record.Resampled.IndexToPhysical(s[2], s[1], s[0])).Length < 1e-9);
        using var expected = all.Image[0, TensorIndex.Slice(s[0], s[0] + body.Image.shape[1]), TensorIndex.Slice(s[1], s[1] + body.Image.shape[2]), TensorIndex.Slice(s[2], s[2] + body.Image.shape[3])];
        Assert.True(expected.allclose(body.Image[0], 0, 0));
        // Nothing above the floor was left out.
        using var outside = all.Image.gt(Floor + 1e-3f).sum();
        using var kept = body.Image.gt(Floor + 1e-3f).sum();
        Assert.Equal(outside.item<long>(), kept.item<long>());

        // A "network" that calls the dense half of the block class 1: the same labels on the original grid either way.
        Volume Labels(PreprocessedPhase phase)
        {
            using var scope = NewDisposeScope();
            var foreground = phase.Image[0].gt(IntensityNormalization.Paper.Apply(130)).to(ScalarType.Float32);
            return OriginalGridMapper.ProbabilitiesToLabels(stack(new[] { 1 - foreground, foreground }, 0), phase.Record);
        }
        var fromAll = Labels(all).Voxels<byte>().ToArray();
        var fromBody = Labels(body).Voxels<byte>().ToArray();
        Assert.True(fromAll.Count(v => v == 1) > 100);
        Assert.Equal(fromAll, fromBody);
    }
}
