using RenalGrpc.Engine.Preprocessing;
using RenalGrpc.Imaging;

namespace RenalGrpc.Engine.Tests.Preprocessing;

public sealed class PhysicalBoxTests
{
    private static readonly Geometry Grid = new(new GridSize(20, 16, 10), new Vec3(2, 2, 4), new Vec3(-10, 20, 30), Matrix3.Identity);

    [Fact]
    public void The_box_around_labels_reaches_the_outer_faces_of_their_voxels_and_grows_on_every_side()
    {
        var voxels = new byte[Grid.VoxelCount];
        voxels[Grid.Size.Index(3, 4, 2)] = 1;
        voxels[Grid.Size.Index(7, 5, 6)] = 2;
        var box = PhysicalBox.AroundForeground(new Volume(Grid, VoxelType.UInt8, voxels))!;
        Assert.Equal(new Vec3(-10 + 2.5 * 2, 20 + 3.5 * 2, 30 + 1.5 * 4), box.Min);
        Assert.Equal(new Vec3(-10 + 7.5 * 2, 20 + 5.5 * 2, 30 + 6.5 * 4), box.Max);
        var grown = box.Grown(10);
        Assert.Equal(box.Min - new Vec3(10, 10, 10), grown.Min);
        Assert.Equal(box.Max + new Vec3(10, 10, 10), grown.Max);
        Assert.Null(PhysicalBox.AroundForeground(new Volume(Grid, VoxelType.UInt8, new byte[Grid.VoxelCount])));
    }

    [Fact]
    public void A_box_maps_to_the_voxel_centres_it_reaches_and_misses_a_grid_it_does_not_touch()
    {
        int[] shape = { 10, 16, 20 };
        // x -5..5 reaches voxel centres i = 3, 4, 5, 6, 7 (x = -4 .. 4); y beyond the grid is clamped; z 37..41 reaches k = 2 (z 38).
        var box = new PhysicalBox(new Vec3(-5, 0, 37), new Vec3(5, 30, 41)).InGrid(Grid, shape)!;
        Assert.Equal(new[] { 2, 0, 3 }, box.Start);
        Assert.Equal(new[] { 1, 6, 5 }, box.Count);
        Assert.Null(new PhysicalBox(new Vec3(100, 0, 30), new Vec3(120, 30, 60)).InGrid(Grid, shape));
    }

    [Fact]
    public void Crop_boxes_intersect_and_grow_to_the_tile_inside_the_image()
    {
        var a = new CropBox(new[] { 0, 2, 4 }, new[] { 5, 6, 7 });
        var b = new CropBox(new[] { 3, 0, 10 }, new[] { 4, 4, 4 });
        var both = a.Intersect(b)!;
        Assert.Equal(new[] { 3, 2, 10 }, both.Start);
        Assert.Equal(new[] { 2, 2, 1 }, both.Count);
        Assert.Null(a.Intersect(new CropBox(new[] { 5, 0, 0 }, new[] { 1, 1, 1 })));

        int[] shape = { 10, 12, 30 };
        var grown = new CropBox(new[] { 1, 9, 10 }, new[] { 2, 3, 20 }).GrownTo(new[] { 6, 8, 8 }, shape);
        Assert.Equal(new[] { 0, 4, 10 }, grown.Start);  // z: 1-2 would start before 0; y: 9-2 = 7 would end past 12
        Assert.Equal(new[] { 6, 8, 20 }, grown.Count);  // x is already longer than the tile
        var whole = new CropBox(new[] { 1, 1, 1 }, new[] { 1, 1, 1 }).GrownTo(new[] { 16, 16, 16 }, shape);
        Assert.Equal(new[] { 0, 0, 0 }, whole.Start);
        Assert.Equal(new[] { 10, 12, 16 }, whole.Count);
    }

    /// <summary>Soft tissue everywhere, so the body crop keeps all of it and only the region cuts.</summary>
    private static Volume AllBody()
    {
        var voxels = new short[Grid.VoxelCount];
        Array.Fill(voxels, (short)40);
        return Volume.FromVoxels<short>(Grid, voxels);
    }

    [Fact]
    public void The_preprocessor_cuts_to_the_search_region_grown_to_the_tile_and_ignores_a_region_it_cannot_use()
    {
        var pre = new PhasePreprocessor(new Vec3(2, 2, 4), IntensityNormalization.Paper, new[] { 4, 4, 4 }, new BodyCrop(0));
        var region = new PhysicalBox(new Vec3(-5, 25, 37), new Vec3(5, 35, 41));
        using var cut = pre.Run(AllBody(), region);
        Assert.Same(region, cut.Record.SearchRegion);
        Assert.Equal(new[] { 1, 3, 3 }, cut.Record.CropStart);        // k 2 grown to 4 slices: 1..4; j 3..7; i 3..7
        Assert.Equal(new GridSize(5, 5, 4), cut.Record.Cropped.Size);
        Assert.True(cut.Record.ModelGrid.IsSameGrid(cut.Record.Cropped));
        Assert.Equal(new long[] { 1, 4, 5, 5 }, cut.Image.shape);

        using var missed = pre.Run(AllBody(), new PhysicalBox(new Vec3(500, 500, 500), new Vec3(600, 600, 600)));
        Assert.Null(missed.Record.SearchRegion);
        Assert.False(missed.Record.WasCropped);
        using var none = pre.Run(AllBody());
        Assert.Null(none.Record.SearchRegion);
        Assert.False(none.Record.WasCropped);
    }
}
