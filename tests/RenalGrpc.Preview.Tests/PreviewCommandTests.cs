using RenalGrpc.Cli.Tests;
using RenalGrpc.Imaging.Nifti;
using SkiaSharp;

namespace RenalGrpc.Preview.Tests;

public sealed class PreviewCommandTests
{
    [Fact]
    public async Task CaseFolderGivesAPngThroughTheTumour()
    {
        using var scratch = new ScratchFolder();
        var folder = SyntheticStudy.WriteCase(scratch.Path);
        var output = scratch.File("case.png");
        var run = await CliRun.Of("preview", folder, "--out", output, "--size", "200");
        Assert.True(run.ExitCode == 0, run.Stderr);
        Assert.Contains("N k=12, A k=20", run.Stdout);

        using var bitmap = SKBitmap.Decode(output);
        Assert.NotNull(bitmap);
        // Same picture as the renderer gives for the files' volumes: the CLI adds reading only.
        var phases = new[] { SyntheticStudy.Phase("N", SyntheticStudy.GridN, true), SyntheticStudy.Phase("A", SyntheticStudy.GridA, true) };
        var expected = StudyPreviewRenderer.Render(phases, new PreviewOptions { PanelPixels = 200, Title = "case_00007   subtype: ccRCC" });
        Assert.Equal(expected.Width, bitmap.Width);
        Assert.Equal(expected.Height, bitmap.Height);
        // NIfTI stores spacing as float32, so a few display pixels on exact voxel borders may sample the neighbour.
        using var expectedBitmap = SKBitmap.Decode(expected.Png);
        int differing = 0;
        for (int y = 0; y < bitmap.Height; y++)
            for (int x = 0; x < bitmap.Width; x++)
                if (bitmap.GetPixel(x, y) != expectedBitmap.GetPixel(x, y)) differing++;
        Assert.True(differing < bitmap.Width * bitmap.Height / 100, $"{differing} pixels differ from the in-memory rendering");
        // The title line is drawn (when a font is present): light pixels above the captions.
        Assert.Contains(Enumerable.Range(0, bitmap.Width), x => Enumerable.Range(8, 22).Any(y => bitmap.GetPixel(x, y).Red > 200));
    }

    [Fact]
    public async Task PhaseOptionsAcceptAnyOrderAndOptionalLabels()
    {
        using var scratch = new ScratchFolder();
        var folder = SyntheticStudy.WriteCase(scratch.Path);
        var output = scratch.File("phases.png");
        var run = await CliRun.Of("preview", "--phase", $"a={folder}/imaging_A.nii.gz", "--phase", $"N={folder}/imaging_N.nii.gz",
            "--labels", $"A={folder}/segmentation_A.nii.gz", "--out", output, "--title", "study");
        Assert.True(run.ExitCode == 0, run.Stderr);
        // N is first although given second; its slice follows A's tumour.
        Assert.Contains("N k=12, A k=20", run.Stdout);
        Assert.True(new FileInfo(output).Length > 0);
    }

    [Fact]
    public async Task MissingImageFileIsBadInputNamingTheFile()
    {
        using var scratch = new ScratchFolder();
        var missing = scratch.File("nope_A.nii.gz");
        var run = await CliRun.Of("preview", "--phase", $"A={missing}", "--out", scratch.File("x.png"));
        Assert.Equal(2, run.ExitCode);
        Assert.Contains(missing, run.Stderr);
        Assert.False(File.Exists(scratch.File("x.png")));
    }

    [Fact]
    public async Task FolderWithoutImagesIsBadInput()
    {
        using var scratch = new ScratchFolder();
        var run = await CliRun.Of("preview", scratch.Path, "--out", scratch.File("x.png"));
        Assert.Equal(2, run.ExitCode);
        Assert.Contains(scratch.Path, run.Stderr);
        Assert.Contains("imaging_", run.Stderr);
        var absent = await CliRun.Of("preview", scratch.File("no_such_case"), "--out", scratch.File("x.png"));
        Assert.Equal(2, absent.ExitCode);
        Assert.Contains("no_such_case", absent.Stderr);
    }

    [Fact]
    public async Task LabelsOnAnotherGridAreBadInputNamingTheFile()
    {
        using var scratch = new ScratchFolder();
        var folder = SyntheticStudy.WriteCase(scratch.Path);
        var wrong = Path.Combine(folder, "segmentation_A.nii.gz");
        var run = await CliRun.Of("preview", "--phase", $"N={folder}/imaging_N.nii.gz", "--labels", $"N={wrong}", "--out", scratch.File("x.png"));
        Assert.Equal(2, run.ExitCode);
        Assert.Contains(wrong, run.Stderr);
    }

    [Fact]
    public async Task BrokenCaseJsonIsBadInputNamingTheFile()
    {
        using var scratch = new ScratchFolder();
        var folder = SyntheticStudy.WriteCase(scratch.Path);
        await File.WriteAllTextAsync(Path.Combine(folder, "case.json"), "{ not json");
        var run = await CliRun.Of("preview", folder, "--out", scratch.File("x.png"));
        Assert.Equal(2, run.ExitCode);
        Assert.Contains("case.json", run.Stderr);
    }

    [Theory]
    [InlineData("--phase", "X=a.nii.gz", "--out", "x.png")]          // unknown phase
    [InlineData("--phase", "a.nii.gz", "--out", "x.png")]            // no X=
    [InlineData("--phase", "N=a.nii.gz")]                             // no --out
    [InlineData("--phase", "N=a.nii.gz", "--out", "x.jpg")]          // not PNG
    [InlineData("--phase", "N=a.nii.gz", "--phase", "N=b.nii.gz", "--out", "x.png")] // phase twice
    [InlineData("--labels", "N=s.nii.gz", "--phase", "A=a.nii.gz", "--out", "x.png")] // labels without their phase
    [InlineData("--out", "x.png")]                                    // nothing to draw
    [InlineData("--phase", "N=a.nii.gz", "--out", "x.png", "--colour", "red")] // unknown option
    public async Task BadArgumentsExitWithTwo(params string[] args)
    {
        var run = await CliRun.Of(["preview", .. args]);
        Assert.Equal(2, run.ExitCode);
        Assert.Contains("usage: renal preview", run.Stderr);
    }

    [Fact]
    public void NiftiRoundTripKeepsTheGridTheSliceChoiceDependsOn()
    {
        using var scratch = new ScratchFolder();
        var folder = SyntheticStudy.WriteCase(scratch.Path);
        var grid = NiftiFile.ReadGeometry(Path.Combine(folder, "imaging_A.nii.gz"));
        Assert.True(grid.IsSameGrid(SyntheticStudy.GridA), grid.ToString());
    }
}
