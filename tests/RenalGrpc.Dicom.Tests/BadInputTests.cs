using RenalGrpc.Dicom.Tests.Support;
using RenalGrpc.Imaging;
using RenalGrpc.Imaging.Dicom;

namespace RenalGrpc.Dicom.Tests;

/// <summary>Every kind of bad input fails with an <see cref="ImageFormatException"/> that says what is wrong.</summary>
public sealed class BadInputTests(SyntheticDicomFixtures fixtures) : IClassFixture<SyntheticDicomFixtures>
{
    [Fact]
    public void EmptyFolder()
    {
        var folder = DicomTestPaths.NewScratchFolder("empty");
        try
        {
            var e = Assert.Throws<ImageFormatException>(() => DicomSeriesReader.Read(folder));
            Assert.Equal(folder, e.Path);
            Assert.Contains("holds no files", e.Message);
        }
        finally { Directory.Delete(folder, true); }
    }

    [Fact]
    public void FolderWithoutDicom()
    {
        var folder = DicomTestPaths.NewScratchFolder("nodicom");
        try
        {
            File.WriteAllText(Path.Combine(folder, "notes.txt"), "not an image");
            File.WriteAllBytes(Path.Combine(folder, "noise.dcm"), Enumerable.Range(0, 4096).Select(n => (byte)(n * 31)).ToArray());
            File.Copy(Path.Combine(DicomTestPaths.PydicomTestFiles, "rtplan.dcm"), Path.Combine(folder, "plan.dcm"));

            var e = Assert.Throws<ImageFormatException>(() => DicomSeriesReader.Read(folder));
            Assert.Contains("none of the 3 files in the folder is a DICOM image", e.Message);
        }
        finally { Directory.Delete(folder, true); }
    }

    [Theory]
    [InlineData("rtplan.dcm")]   // DICOM, but a plan without pixels
    [InlineData("README.txt")]   // not DICOM at all
    public void NonImageFileGivenDirectly(string name)
    {
        var path = Path.Combine(DicomTestPaths.PydicomTestFiles, name);
        var e = Assert.Throws<ImageFormatException>(() => DicomSeriesReader.Read(path));
        Assert.Equal(path, e.Path);
        Assert.Contains("is not a DICOM image file", e.Message);
    }

    [Fact]
    public void MissingPath()
    {
        var e = Assert.Throws<ImageFormatException>(() => DicomSeriesReader.Read("/nonexistent/renal/ct"));
        Assert.Contains("no such file", e.Message);
    }

    [Fact]
    public void MixedOrientationWithinASeries()
    {
        var e = Assert.Throws<ImageFormatException>(() => DicomSeriesReader.Read(fixtures.Folder("mixed_orientation")));
        Assert.Contains("mixed orientation within the series", e.Message);
        Assert.Contains("CT004.dcm", e.Message);
    }

    [Fact]
    public void MixedImageSizeWithinASeries()
    {
        var e = Assert.Throws<ImageFormatException>(() => DicomSeriesReader.Read(fixtures.Folder("mixed_size")));
        Assert.Contains("mixed image sizes", e.Message);
        Assert.Contains("CT002.dcm is 16x14", e.Message);
    }

    [Fact]
    public void GapInTheSeries()
    {
        // Slices every 2 mm from z = -50; the one at -40 (index 5) was never written.
        var e = Assert.Throws<ImageFormatException>(() => DicomSeriesReader.Read(fixtures.Folder("gap")));
        Assert.Contains("missing slice between positions -42 and -38 mm", e.Message);
    }

    [Fact]
    public void DuplicateSlicePosition()
    {
        var e = Assert.Throws<ImageFormatException>(() => DicomSeriesReader.Read(fixtures.Folder("duplicate")));
        Assert.Contains("duplicate slices", e.Message);
        Assert.Contains("CT003.dcm", e.Message);
        Assert.Contains("CT004.dcm", e.Message);
    }

    [Fact]
    public void TruncatedPixelData()
    {
        var folder = DicomTestPaths.NewScratchFolder("truncated");
        try
        {
            foreach (var file in Directory.GetFiles(fixtures.Folder("truncated"))) File.Copy(file, Path.Combine(folder, Path.GetFileName(file)));
            var victim = Path.Combine(folder, "CT002.dcm");
            using (var stream = new FileStream(victim, FileMode.Open)) stream.SetLength(stream.Length - 100);

            var e = Assert.Throws<ImageFormatException>(() => DicomSeriesReader.Read(folder));
            Assert.Equal(victim, e.Path);
            Assert.Contains("pixel data is truncated", e.Message);
        }
        finally { Directory.Delete(folder, true); }
    }

    [Fact]
    public void TruncatedPixelDataOfAPydicomTestFile()
    {
        var path = Path.Combine(DicomTestPaths.PydicomTestFiles, "MR_truncated.dcm");
        var e = Assert.Throws<ImageFormatException>(() => DicomSeriesReader.Read(path));
        Assert.Contains("pixel data is truncated", e.Message);
    }

    [Fact]
    public void FileListSpanningSeveralSeriesListsThem()
    {
        var files = Directory.GetFiles(fixtures.Folder("two_series_ct"));

        var e = Assert.Throws<ImageFormatException>(() => DicomSeriesReader.Read(files));
        Assert.Contains("the files belong to 2 series", e.Message);
        Assert.Contains(fixtures.Uid("two_series_ct"), e.Message);
        Assert.Contains(fixtures.Uid("two_series_mr"), e.Message);
    }

    [Fact]
    public void FileListWithANonImageFileNamesIt()
    {
        var plan = Path.Combine(DicomTestPaths.PydicomTestFiles, "rtplan.dcm");
        var files = Directory.GetFiles(fixtures.Folder("oblique")).Append(plan).ToList();

        var e = Assert.Throws<ImageFormatException>(() => DicomSeriesReader.Read(files));
        Assert.Equal(plan, e.Path);
    }

    [Fact]
    public void UnknownSeriesInstanceUid()
    {
        var e = Assert.Throws<ImageFormatException>(() =>
            DicomSeriesReader.Read(fixtures.Folder("oblique"), new DicomReadOptions { SeriesInstanceUid = "1.2.3.4" }));
        Assert.Contains("no series with SeriesInstanceUID 1.2.3.4", e.Message);
        Assert.Contains(fixtures.Uid("oblique"), e.Message);
    }

    [Fact]
    public void ColourImageIsRefused()
    {
        var path = Path.Combine(DicomTestPaths.PydicomTestFiles, "SC_rgb_rle.dcm");
        var e = Assert.Throws<ImageFormatException>(() => DicomSeriesReader.Read(path));
        Assert.Contains("3 samples per pixel", e.Message);
    }

    [Fact]
    public void FileThatWouldAbortGdcmIsRefusedBeforeDecoding()
    {
        // RT dose with FrameIncrementPointer but no NumberOfFrames: GDCM hits an assertion (process abort).
        var path = Path.Combine(DicomTestPaths.PydicomTestFiles, "rtdose_1frame.dcm");
        var e = Assert.Throws<ImageFormatException>(() => DicomSeriesReader.Read(path));
        Assert.Contains("FrameIncrementPointer", e.Message);
    }
}
