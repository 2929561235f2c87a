using RenalGrpc.Engine.Analysis;
using RenalGrpc.Engine.Checkpoints;
using RenalGrpc.Engine.Inference;
using RenalGrpc.Engine.Preprocessing;
using RenalGrpc.Imaging;
using RenalGrpc.Imaging.Nifti;
using RenalGrpc.Imaging.Tests.Support;

namespace RenalGrpc.Cli.Tests;

/// <summary>
/// Stage 1 of the shipped model with its input cut down (the analyzer's defaults) against the whole
/// field of view: cropped to the body on a generated phase placed in a field of view twice as wide
/// as the body, and limited to the kidney search region of another phase on a 50 cm long
/// realistic scan. Fewer tiles, the same labels, the same Dice against the phase's ground truth.
/// </summary>
public sealed class StageOneCropDefaultModelTests : IDisposable
{
    private readonly ScratchFolder _scratch = new();

    public void Dispose() => _scratch.Dispose();

    /// <summary>The volume grown in-plane by <paramref name="border"/> voxels of <paramref name="fill"/> on every side.</summary>
    private static Volume Widened(Volume volume, int border, short fill)
    {
        var g = volume.Geometry;
        var size = new GridSize(g.Size.I + 2 * border, g.Size.J + 2 * border, g.Size.K);
        var wide = g with { Size = size, Origin = g.IndexToPhysical(-border, -border, 0) };
        var voxels = new short[wide.VoxelCount];
        Array.Fill(voxels, fill);
        for (int k = 0; k < g.Size.K; k++)
        for (int j = 0; j < g.Size.J; j++)
        for (int i = 0; i < g.Size.I; i++)
            voxels[size.Index(i + border, j + border, k)] = (short)volume.GetFloat(g.Size.Index(i, j, k));
        return Volume.FromVoxels<short>(wide, voxels);
    }

    private static double Dice(byte[] a, byte[] b, Func<byte, bool> inClass)
    {
        long both = 0, na = 0, nb = 0;
        for (int n = 0; n < a.Length; n++)
        {
            bool x = inClass(a[n]), y = inClass(b[n]);
            if (x) na++;
            if (y) nb++;
            if (x && y) both++;
        }
        return na + nb == 0 ? 1 : 2.0 * both / (na + nb);
    }

    private static (double Agreement, double TumorWhole, double TumorCut, double MassesWhole, double MassesCut) Compare(byte[] whole, byte[] cut, byte[] truth) =>
        (whole.Zip(cut).Count(p => p.First == p.Second) / (double)whole.Length,
         Dice(whole, truth, v => v == 2), Dice(cut, truth, v => v == 2), Dice(whole, truth, v => v > 0), Dice(cut, truth, v => v > 0));

    [Fact]
    public async Task The_kidney_search_region_of_one_phase_keeps_the_next_phases_labels_with_fewer_tiles()
    {
        var data = _scratch.File("data");
        var phantom = await CliRun.Of("phantom", "--out", data, "--cases", "1", "--seed", "2027", "--balance", "uniform", "--phases", "NP", "--size", "realistic");
        Assert.True(phantom.ExitCode == 0, phantom.Stderr);
        var study = Path.Combine(data, "case_00000");
        using var model = ModelCheckpoint.Load(Path.Combine(RepositoryPaths.Root, "models", "default"));
        using var segmenter = new NetworkPhaseSegmenter(model, InferencePrecision.Float32, model.Metadata.TileStep, new BodyCrop());
        var tile = model.Metadata.TileShape.ToArray();
        int Tiles(PhaseSegmentation s) => TilePlanner.Plan(new[] { s.Preprocessing!.ModelGrid.Size.K, s.Preprocessing.ModelGrid.Size.J, s.Preprocessing.ModelGrid.Size.I }, tile, model.Metadata.TileStep).TileCount;

        var n = segmenter.Segment("N", NiftiFile.Read(Path.Combine(study, "imaging_N.nii.gz")), false, null, CancellationToken.None);
        var (cleanedN, recordN) = SegmentationPostprocessing.Apply(n.Labels);
        Assert.Equal(2, recordN.KeptKidneyMl.Count);
        var region = PhysicalBox.AroundForeground(cleanedN)!.Grown(50);

        var p = NiftiFile.Read(Path.Combine(study, "imaging_P.nii.gz"));
        var truth = NiftiFile.Read(Path.Combine(study, "segmentation_P.nii.gz")).Voxels<byte>().ToArray();
        var whole = segmenter.Segment("P", p, false, null, CancellationToken.None);
        var cut = segmenter.Segment("P", p, false, null, CancellationToken.None, region);
        Assert.Same(region, cut.Preprocessing!.SearchRegion);
        Assert.True(Tiles(cut) * 2 <= Tiles(whole), $"{Tiles(cut)} tiles in the region, {Tiles(whole)} over the body");
        var c = Compare(whole.Labels.Voxels<byte>().ToArray(), cut.Labels.Voxels<byte>().ToArray(), truth);
        Assert.True(c.Agreement > 0.999, $"{c.Agreement:P4} of voxels agree");
        Assert.True(c.TumorCut > 0.75 && c.MassesCut > 0.9, $"in the region: tumor Dice {c.TumorCut:F3}, kidney+masses {c.MassesCut:F3}");
        Assert.True(Math.Abs(c.TumorCut - c.TumorWhole) < 0.02 && Math.Abs(c.MassesCut - c.MassesWhole) < 0.01,
            $"tumor Dice {c.TumorCut:F4} vs {c.TumorWhole:F4}, kidney+masses {c.MassesCut:F4} vs {c.MassesWhole:F4}");
    }

    [Fact]
    public async Task Cropping_to_the_body_keeps_the_shipped_models_labels_with_fewer_tiles()
    {
        // Seed 2027: a right ccRCC of 19 mm radius and a cyst (see DefaultModelTests), never trained on.
        var data = _scratch.File("data");
        var phantom = await CliRun.Of("phantom", "--out", data, "--cases", "1", "--seed", "2027", "--balance", "uniform", "--phases", "P");
        Assert.True(phantom.ExitCode == 0, phantom.Stderr);
        var image = Widened(NiftiFile.Read(Path.Combine(data, "case_00000", "imaging_P.nii.gz")), 64, -1000);
        var truth = Widened(NiftiFile.Read(Path.Combine(data, "case_00000", "segmentation_P.nii.gz")), 64, 0).Voxels<short>().ToArray().Select(v => (byte)v).ToArray();

        using var model = ModelCheckpoint.Load(Path.Combine(RepositoryPaths.Root, "models", "default"));
        var tile = model.Metadata.TileShape.ToArray();
        (byte[] Labels, int Tiles) Segment(BodyCrop? crop)
        {
            using var segmenter = new NetworkPhaseSegmenter(model, InferencePrecision.Float32, model.Metadata.TileStep, crop);
            var result = segmenter.Segment("P", image, mirrorTta: false, progress: null, CancellationToken.None);
            var grid = result.Preprocessing!.ModelGrid.Size;
            return (result.Labels.Voxels<byte>().ToArray(), TilePlanner.Plan(new[] { grid.K, grid.J, grid.I }, tile, model.Metadata.TileStep).TileCount);
        }
        var whole = Segment(null);
        var body = Segment(new BodyCrop());

        Assert.True(body.Tiles * 2 <= whole.Tiles, $"{body.Tiles} tiles with the crop, {whole.Tiles} without");
        double agreement = whole.Labels.Zip(body.Labels).Count(p => p.First == p.Second) / (double)whole.Labels.Length;
        Assert.True(agreement > 0.999, $"{agreement:P4} of voxels agree");
        double tumorWhole = Dice(whole.Labels, truth, v => v == 2), tumorBody = Dice(body.Labels, truth, v => v == 2);
        double massesWhole = Dice(whole.Labels, truth, v => v > 0), massesBody = Dice(body.Labels, truth, v => v > 0);
        Assert.True(tumorBody > 0.75 && massesBody > 0.9, $"with the crop: tumor Dice {tumorBody:F3}, kidney+masses {massesBody:F3}");
        Assert.True(Math.Abs(tumorBody - tumorWhole) < 0.01 && Math.Abs(massesBody - massesWhole) < 0.01,
            $"tumor Dice {tumorBody:F4} vs {tumorWhole:F4}, kidney+masses {massesBody:F4} vs {massesWhole:F4}");
    }
}
