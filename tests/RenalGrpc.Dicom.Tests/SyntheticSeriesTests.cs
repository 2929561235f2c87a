using RenalGrpc.Dicom.Tests.Support;
using RenalGrpc.Imaging;
using RenalGrpc.Imaging.Dicom;

namespace RenalGrpc.Dicom.Tests;

/// <summary>Series written by pydicom with known geometry and voxel formulas read back exactly.</summary>
public sealed class SyntheticSeriesTests(SyntheticDicomFixtures fixtures) : IClassFixture<SyntheticDicomFixtures>
{
    /// <summary>The stored value formula of write_fixtures.py's pattern().</summary>
    private static int Pattern(int i, int j, int k) => (i * 7 + j * 13 + k * 101) % 4096;

    [Fact]
    public void ObliqueSeriesWithShuffledNamesReadsBackItsGeometryAndHounsfieldUnits()
    {
        var volume = DicomSeriesReader.Read(fixtures.Folder("oblique"));

        GeometryAssert.Matches(fixtures["oblique"], volume.Geometry);
        Assert.Equal(VoxelType.Int16, volume.VoxelType);
        AssertVoxels(volume, (i, j, k) => Pattern(i, j, k) - 1024);
    }

    [Fact]
    public void ObliqueSeriesGivenAsAShuffledFileListReadsTheSame()
    {
        var folder = fixtures.Folder("oblique");
        var files = Directory.GetFiles(folder).OrderByDescending(f => f).ToList();

        var fromList = DicomSeriesReader.Read(files);
        var fromFolder = DicomSeriesReader.Read(folder, new DicomReadOptions { MaxDegreeOfParallelism = 1 });

        Assert.True(fromList.Geometry.IsSameGrid(fromFolder.Geometry, 1e-9, 1e-12));
        Assert.Equal(fromFolder.Buffer, fromList.Buffer);
    }

    [Fact]
    public void ObliqueGridMapsEachSlicePositionToItsIndex()
    {
        var volume = DicomSeriesReader.Read(fixtures.Folder("oblique"));
        var origin = GeometryAssert.Vector(fixtures["oblique"].GetProperty("origin"));
        // Slice k was written at origin + normal * 2.5 * k; the grid must put index (0,0,k) there.
        var normal = volume.Geometry.Direction.Column(2);
        for (int k = 0; k < volume.Size.K; k++)
            GeometryAssert.Close(origin + normal * (2.5 * k), volume.Geometry.IndexToPhysical(0, 0, k), 1e-4, $"slice {k}");
        Assert.Equal("oblique", volume.Geometry.OrientationCode());
    }

    [Fact]
    public void EnhancedMultiFrameFileIsOrderedByPerFramePositionsAndRescaledToFloat()
    {
        var volume = DicomSeriesReader.Read(fixtures.File("multiframe"));

        GeometryAssert.Matches(fixtures["multiframe"], volume.Geometry);
        // Slope 0.5 from the shared PixelValueTransformationSequence: not integral, so float32.
        Assert.Equal(VoxelType.Float32, volume.VoxelType);
        var voxels = volume.Voxels<float>();
        var size = volume.Size;
        for (int k = 0; k < size.K; k++)
            for (int j = 0; j < size.J; j++)
                for (int i = 0; i < size.I; i++)
                    Assert.Equal(Pattern(i, j, k) * 0.5f - 100f, voxels[(int)size.Index(i, j, k)]);
    }

    [Theory]
    [InlineData("file")]         // explicit VR little endian
    [InlineData("file_jpegls")]  // JPEG-LS lossless (dcmcjpls): GDCM's decoder leaves the sign bits to us
    public void TwelveBitSignedSamplesAreSignExtended(string variant)
    {
        var volume = DicomSeriesReader.Read(fixtures["signed12"].GetProperty(variant).GetString()!);

        Assert.Equal(new GridSize(37, 29, 1), volume.Size);
        Assert.Equal(VoxelType.Int16, volume.VoxelType);
        AssertVoxels(volume, (i, j, _) => (i * 113 + j * 57) % 4096 - 2048);
        var (min, _) = volume.ValueRange();
        Assert.Equal(-2048.0, min); // stored as 0x0800 with the upper four bits clear
    }

    [Fact]
    public void ListSeriesDescribesEverySeriesWithoutPatientData()
    {
        var series = DicomSeriesReader.ListSeries(fixtures.Folder("two_series_ct"));

        Assert.Equal(2, series.Count);
        var ct = series.Single(s => s.Modality == "CT");
        var mr = series.Single(s => s.Modality == "MR");
        Assert.Equal((fixtures.Uid("two_series_ct"), 6, 6, 16, 12), (ct.SeriesInstanceUid, ct.FileCount, ct.SliceCount, ct.Columns, ct.Rows));
        Assert.Equal((fixtures.Uid("two_series_mr"), 9, 9), (mr.SeriesInstanceUid, mr.FileCount, mr.SliceCount));
        Assert.Equal("synthetic MR", mr.Description);
        Assert.DoesNotContain(series, s => s.ToString().Contains("Phantom", StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public void FolderWithSeveralSeriesGivesTheLargestCtUnlessOneIsChosen()
    {
        var folder = fixtures.Folder("two_series_ct");

        var chosenByDefault = DicomSeriesReader.Read(folder);
        var mr = DicomSeriesReader.Read(folder, new DicomReadOptions { SeriesInstanceUid = fixtures.Uid("two_series_mr") });

        Assert.Equal(6, chosenByDefault.Size.K); // CT wins over the larger MR series
        Assert.Equal(9, mr.Size.K);
        Assert.Equal(3.0, mr.Geometry.Spacing.Z, 9);
    }

    private static void AssertVoxels(Volume volume, Func<int, int, int, int> expected)
    {
        var voxels = volume.Voxels<short>();
        var size = volume.Size;
        for (int k = 0; k < size.K; k++)
            for (int j = 0; j < size.J; j++)
                for (int i = 0; i < size.I; i++)
                {
                    int want = expected(i, j, k);
                    int got = voxels[(int)size.Index(i, j, k)];
                    if (want != got) Assert.Fail($"voxel ({i},{j},{k}): expected {want}, got {got}");
                }
    }
}
