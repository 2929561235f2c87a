using System.Text.Json;
using RenalGrpc.Dicom.Tests.Support;
using RenalGrpc.Imaging;
using RenalGrpc.Imaging.Dicom;

namespace RenalGrpc.Dicom.Tests;

/// <summary>
/// pydicom's dicomdirtests tree: real (downsized) CT, MR and CR series from several patients
/// and studies, with DICOMDIRs, README files and non-image DICOM mixed in.
/// </summary>
public sealed class RealSeriesTreeTests
{
    private const string AxialCt = "1.3.6.1.4.1.5962.1.1.0.0.0.1194734704.16302.0.6";      // 98892001/CT5N, 5 slices
    private const string CtWithGap = "1.3.6.1.4.1.5962.1.1.0.0.0.1196530851.28319.0.2";    // 77654033/CT2
    private const string CtTwoPlanes = "1.3.6.1.4.1.5962.1.1.0.0.0.1194734704.16302.0.2";  // 98892001/CT2N

    private static string Tree => DicomTestPaths.PydicomSeriesTree;

    [Fact]
    public void ListsTheSameSeriesAndFilesAsPydicom()
    {
        var reference = Reference();
        var listed = DicomSeriesReader.ListSeries(Tree);

        var expected = reference.GetProperty("files_per_series").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetInt32());
        Assert.Equal(expected.OrderBy(p => p.Key), listed.ToDictionary(s => s.SeriesInstanceUid, s => s.FileCount).OrderBy(p => p.Key));
        foreach (var series in listed)
            Assert.Equal(reference.GetProperty("modality").GetProperty(series.SeriesInstanceUid).GetString(), series.Modality);
    }

    [Fact]
    public void DefaultChoiceIsTheLargestCtSeriesAndMatchesPydicom()
    {
        var reference = Reference().GetProperty("volume");
        var volume = DicomSeriesReader.Read(Tree);

        Assert.Equal(new GridSize(16, 16, 5), volume.Size);
        Assert.Equal("LPS", volume.Geometry.OrientationCode());
        GeometryAssert.Close(GeometryAssert.Vector(reference.GetProperty("origin")), volume.Geometry.Origin, 1e-4, "origin");
        Assert.Equal(reference.GetProperty("spacing_k").GetDouble(), volume.Geometry.Spacing.Z, 6);
        Assert.Equal(0.488281, volume.Geometry.Spacing.X, 6);
        var expected = reference.GetProperty("values").EnumerateArray().Select(v => (float)v.GetDouble()).ToArray();
        Assert.Equal(expected, volume.ToFloatArray());
    }

    [Fact]
    public void RealScoutIsMarkedAndSeveralVolumeSeriesAreRefusedWhenAsked()
    {
        var scout = DicomSeriesReader.ListSeries(Tree).Single(s => s.SeriesInstanceUid == CtTwoPlanes);
        Assert.True(scout.IsLocalizer); // ImageType ORIGINAL\PRIMARY\LOCALIZER
        Assert.False(scout.IsVolume);

        // Two CT volume series (4 and 5 slices): "the largest" would be a guess; the scout is not a candidate.
        var e = Assert.Throws<ImageFormatException>(() => DicomSeriesReader.Read(Tree, new DicomReadOptions { RefuseSeveralVolumeSeries = true }));
        Assert.Contains("the folder holds 2 CT series that could be the volume", e.Message);
        Assert.Contains("'Routine Brain' 16x16x4", e.Message);
        Assert.Contains("'SmartScore - Gated 0.5 sec' 16x16x5", e.Message);
        Assert.DoesNotContain("Scout", e.Message);
        Assert.Equal(new GridSize(16, 16, 5), DicomSeriesReader.Read(Tree, new DicomReadOptions { SeriesInstanceUid = AxialCt, RefuseSeveralVolumeSeries = true }).Size);
    }

    [Fact]
    public void RealSeriesWithAGapIsRefused()
    {
        // Slices at z = -99.48, 103.02, 104.27, 105.52: three contiguous, one far away.
        var e = Assert.Throws<ImageFormatException>(() => DicomSeriesReader.Read(Tree, new DicomReadOptions { SeriesInstanceUid = CtWithGap }));
        Assert.Contains("missing slice between positions -99.48 and 103.02 mm", e.Message);
    }

    [Fact]
    public void RealSeriesMixingPlanesIsRefused()
    {
        var e = Assert.Throws<ImageFormatException>(() => DicomSeriesReader.Read(Tree, new DicomReadOptions { SeriesInstanceUid = CtTwoPlanes }));
        Assert.Contains("mixed orientation", e.Message);
    }

    private static JsonElement Reference() =>
        JsonDocument.Parse(DicomTestPaths.RunScript("series_tree_reference.py", Tree, AxialCt)).RootElement.Clone();
}
