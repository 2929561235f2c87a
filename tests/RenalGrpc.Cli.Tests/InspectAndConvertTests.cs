using System.Text.Json;
using RenalGrpc.Imaging;
using RenalGrpc.Imaging.Dicom;
using RenalGrpc.Imaging.Nifti;
using RenalGrpc.Imaging.Nrrd;

namespace RenalGrpc.Cli.Tests;

public sealed class InspectAndConvertTests
{
    // Real files from Debian packages installed by scripts/setup.sh (python3-nibabel, python3-pydicom).
    private const string NibabelData = "/usr/lib/python3/dist-packages/nibabel/tests/data";
    private const string ObliqueNifti = NibabelData + "/example4d.nii.gz";   // 4-D, oblique
    private const string AnatomicalNifti = NibabelData + "/anatomical.nii";
    private const string CtDicom = "/usr/lib/python3/dist-packages/pydicom/data/test_files/CT_small.dcm";

    [Fact]
    public async Task InspectJsonReportsTheFilesGeometry()
    {
        var run = await CliRun.Of("inspect", "--json", "--first-volume", ObliqueNifti);
        Assert.Equal(0, run.ExitCode);
        using var doc = JsonDocument.Parse(run.Stdout);
        var root = doc.RootElement;
        var expected = NiftiFile.Read(ObliqueNifti, new NiftiReadOptions { FirstVolumeOf4D = true });
        Assert.Equal([128, 96, 24], root.GetProperty("size").EnumerateArray().Select(e => e.GetInt32()));
        Assert.Equal("oblique", root.GetProperty("orientation").GetString());
        Assert.Equal("int16", root.GetProperty("voxelType").GetString());
        var origin = root.GetProperty("origin").EnumerateArray().Select(e => e.GetDouble()).ToArray();
        Assert.Equal(expected.Geometry.Origin.X, origin[0], 9);
        Assert.Equal(expected.ValueRange().Max, root.GetProperty("max").GetDouble());
    }

    [Fact]
    public async Task InspectTextShowsOrientationAndRange()
    {
        var run = await CliRun.Of("inspect", CtDicom);
        Assert.Equal(0, run.ExitCode);
        Assert.Contains("orientation  LPS", run.Stdout);
        Assert.Contains("min -896, max 1167", run.Stdout); // HU after rescale, as pydicom reports
    }

    [Fact]
    public async Task NiftiToNrrdToNiftiRoundTripsBitForBit()
    {
        using var scratch = new ScratchFolder();
        var nrrd = scratch.File("a.nrrd");
        var back = scratch.File("b.nii.gz");
        Assert.Equal(0, (await CliRun.Of("convert", "--first-volume", ObliqueNifti, nrrd)).ExitCode);
        Assert.Equal(0, (await CliRun.Of("convert", nrrd, back)).ExitCode);
        var original = NiftiFile.Read(ObliqueNifti, new NiftiReadOptions { FirstVolumeOf4D = true });
        var viaNrrd = NrrdFile.Read(nrrd);
        var result = NiftiFile.Read(back);
        Assert.Equal(original.Buffer, viaNrrd.Buffer);
        Assert.Equal(original.Buffer, result.Buffer);
        Assert.True(original.Geometry.IsSameGrid(result.Geometry, 1e-4, 1e-6), $"{original.Geometry} vs {result.Geometry}");
    }

    [Fact]
    public async Task DicomToNiftiKeepsGeometryAndHounsfieldUnits()
    {
        using var scratch = new ScratchFolder();
        var output = scratch.File("ct.nii.gz");
        var run = await CliRun.Of("convert", CtDicom, output);
        Assert.Equal(0, run.ExitCode);
        var dicom = DicomSeriesReader.Read(CtDicom);
        var nifti = NiftiFile.Read(output);
        Assert.Equal(dicom.Buffer, nifti.Buffer);
        Assert.True(dicom.Geometry.IsSameGrid(nifti.Geometry, 1e-4, 1e-6));
    }

    [Fact]
    public async Task LabelMapToSegNrrdNamesKidneySegments()
    {
        using var scratch = new ScratchFolder();
        var g = Geometry.Axial(new GridSize(8, 6, 4), new Vec3(0.8, 0.8, 2.5), new Vec3(-10, 20, 30));
        var labels = new byte[g.VoxelCount];
        for (int n = 0; n < labels.Length; n++) labels[n] = (byte)(n % 7 == 0 ? 2 : n % 5 == 0 ? 1 : n % 11 == 0 ? 3 : 0);
        var input = scratch.File("labels.nii.gz");
        NiftiFile.Write(Volume.FromVoxels<byte>(g, labels), input);
        var output = scratch.File("labels.seg.nrrd");
        Assert.Equal(0, (await CliRun.Of("convert", input, output)).ExitCode);
        var seg = SegNrrdFile.Read(output);
        Assert.Equal(labels, seg.Labels.Buffer);
        Assert.Equal(["kidney", "tumor", "cyst"], seg.Segments.OrderBy(s => s.LabelValue).Select(s => s.Name));
        Assert.Contains("64033007", seg.Segments.Single(s => s.Name == "kidney").Terminology);
    }

    [Fact]
    public async Task ContinuousImageCannotBecomeASegmentation()
    {
        using var scratch = new ScratchFolder();
        var run = await CliRun.Of("convert", AnatomicalNifti, scratch.File("x.seg.nrrd"));
        Assert.Equal(2, run.ExitCode);
        Assert.Contains("x.seg.nrrd", run.Stderr);
        Assert.Contains("integer labels", run.Stderr);
    }

    [Fact]
    public async Task MissingFileIsExitCode2NamingTheFile()
    {
        var run = await CliRun.Of("inspect", "/nonexistent/ct.nii.gz");
        Assert.Equal(2, run.ExitCode);
        Assert.Contains("/nonexistent/ct.nii.gz", run.Stderr);
        Assert.Contains("no such file", run.Stderr);
    }

    [Fact]
    public async Task NonImageFileIsExitCode2NamingTheProblem()
    {
        using var scratch = new ScratchFolder();
        var bogus = scratch.File("notes.nii");
        await File.WriteAllTextAsync(bogus, "this is not an image, just some text that is long enough to fill a header....................................................................................................................................................................................................................................................................................................................................................");
        var run = await CliRun.Of("inspect", bogus);
        Assert.Equal(2, run.ExitCode);
        Assert.Contains(bogus, run.Stderr);
    }

    [Fact]
    public async Task FourDimensionalFileNeedsTheFlag()
    {
        var run = await CliRun.Of("inspect", ObliqueNifti);
        Assert.Equal(2, run.ExitCode);
        Assert.Contains("--first-volume", run.Stderr);
    }

    [Theory]
    [InlineData("inspect", "--bogus", "x.nii")]
    [InlineData("convert", "only-one-argument.nii")]
    [InlineData("frobnicate")]
    public async Task BadArgumentsAreExitCode2(params string[] args)
    {
        var run = await CliRun.Of(args);
        Assert.Equal(2, run.ExitCode);
        Assert.NotEmpty(run.Stderr);
    }

    [Fact]
    public async Task DicomOutputIsRefused()
    {
        using var scratch = new ScratchFolder();
        var run = await CliRun.Of("convert", CtDicom, scratch.File("out.dcm"));
        Assert.Equal(2, run.ExitCode);
        Assert.Contains("DICOM output is not supported", run.Stderr);
    }
}
