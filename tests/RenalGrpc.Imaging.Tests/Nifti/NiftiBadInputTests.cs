using System.IO.Compression;
using RenalGrpc.Imaging.Nifti;

namespace RenalGrpc.Imaging.Tests.Nifti;

/// <summary>Broken files are refused with an ImageFormatException naming the file and the problem.</summary>
public sealed class NiftiBadInputTests : IDisposable
{
    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("nifti-bad-");

    public void Dispose() => _directory.Delete(recursive: true);

    private string WriteGood(string name, VoxelType type = VoxelType.Int16)
    {
        var geometry = new Geometry(new GridSize(10, 9, 8), new Vec3(0.8, 0.9, 2), new Vec3(5, 6, 7),
            NiftiTestVolumes.RandomDirection(new Random(3), leftHanded: false));
        var path = Path.Combine(_directory.FullName, name);
        NiftiFile.Write(NiftiTestVolumes.GradientVolume(geometry, type), path);
        return path;
    }

    private static void AssertRefused(string path, string fragment, NiftiReadOptions? options = null)
    {
        var e = Assert.Throws<ImageFormatException>(() => NiftiFile.Read(path, options));
        Assert.Contains(fragment, e.Message);
        Assert.StartsWith(path, e.Message);
    }

    [Fact]
    public void TruncatedGzip()
    {
        var path = WriteGood("cut.nii.gz");
        var bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes[..(bytes.Length / 2)]);
        AssertRefused(path, "truncated");
    }

    [Fact]
    public void CorruptGzipStream()
    {
        var path = WriteGood("corrupt.nii.gz");
        var bytes = File.ReadAllBytes(path);
        for (int n = 40; n < bytes.Length - 20; n += 7) bytes[n] ^= 0x5a;
        File.WriteAllBytes(path, bytes);
        var e = Assert.Throws<ImageFormatException>(() => NiftiFile.Read(path));
        Assert.Contains(path, e.Message);
    }

    [Fact]
    public void FileShorterThanTheHeaderSays()
    {
        var path = WriteGood("short.nii");
        var bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes[..^100]);
        AssertRefused(path, "header lies about the data size");
    }

    [Fact]
    public void CompressedFileShorterThanTheHeaderSays()
    {
        // Header promises 20 slices, the data holds 8: only discoverable while decompressing.
        var plain = WriteGood("lying.nii");
        NiftiFilePatch.Int16(plain, 46, 20);
        var path = plain + ".gz";
        using (var output = File.Create(path))
        using (var gzip = new GZipStream(output, CompressionLevel.Fastest))
            gzip.Write(File.ReadAllBytes(plain));
        AssertRefused(path, "header lies about the data size");
    }

    [Fact]
    public void TinyGzipClaimingGigabytesIsRefusedBeforeAllocating()
    {
        var plain = WriteGood("giant.nii", VoxelType.Float32);
        for (int axis = 1; axis <= 3; axis++) NiftiFilePatch.Int16(plain, 40 + 2 * axis, 700); // 1.4 GB of float32
        var path = plain + ".gz";
        using (var output = File.Create(path))
        using (var gzip = new GZipStream(output, CompressionLevel.Fastest))
            gzip.Write(File.ReadAllBytes(plain));
        AssertRefused(path, "compressed bytes cannot hold");
    }

    [Theory]
    [InlineData(float.NaN, "pixdim[2] = NaN")]
    [InlineData(0f, "pixdim[2] = 0")]
    [InlineData(float.PositiveInfinity, "pixdim[2] = ")]
    public void UnusableQformVoxelSize(float value, string fragment)
    {
        var path = WriteGood("pixdim.nii");
        NiftiFilePatch.Int16(path, 254, 0); // sform_code 0: the qform and pixdim are used
        NiftiFilePatch.Float32(path, 76 + 4 * 2, value);
        AssertRefused(path, fragment);
    }

    [Fact]
    public void ZeroSpacingInTheSform()
    {
        var path = WriteGood("zero-sform.nii");
        for (int row = 0; row < 3; row++) NiftiFilePatch.Float32(path, 280 + 16 * row + 4 * 1, 0f);
        AssertRefused(path, "axis j a voxel size of 0");
    }

    [Fact]
    public void NaNInTheSform()
    {
        var path = WriteGood("nan-sform.nii");
        NiftiFilePatch.Float32(path, 280, float.NaN);
        AssertRefused(path, "voxel size of NaN");
    }

    [Theory]
    [InlineData(2, 0, "dim[2] = 0")]
    [InlineData(3, -4, "dim[3] = -4")]
    public void ZeroOrNegativeDimension(int axis, short value, string fragment)
    {
        var path = WriteGood("dims.nii");
        NiftiFilePatch.Int16(path, 40 + 2 * axis, value);
        AssertRefused(path, fragment);
    }

    [Fact]
    public void BadDimensionCount()
    {
        var path = WriteGood("dim0.nii");
        NiftiFilePatch.Int16(path, 40, 9);
        AssertRefused(path, "dim[0] = 9");
    }

    [Theory]
    [InlineData(2304, "unsupported datatype 2304 (rgba32)")]
    [InlineData(1792, "unsupported datatype 1792 (complex128)")]
    [InlineData(1, "unsupported datatype 1 (binary)")]
    [InlineData(1536, "unsupported datatype 1536 (float128)")]
    [InlineData(77, "unsupported datatype 77 (unknown)")]
    public void UnsupportedDatatype(short code, string fragment)
    {
        var path = WriteGood("type.nii");
        NiftiFilePatch.Int16(path, 70, code);
        AssertRefused(path, fragment);
    }

    [Fact]
    public void NotANiftiFile()
    {
        var path = Path.Combine(_directory.FullName, "text.nii");
        File.WriteAllText(path, string.Concat(Enumerable.Repeat("this is not an image ", 40)));
        AssertRefused(path, "not a NIfTI file: sizeof_hdr");
    }

    [Fact]
    public void BadMagic()
    {
        var path = WriteGood("magic.nii");
        NiftiFilePatch.Bytes(path, 344, "xyz\0"u8.ToArray());
        AssertRefused(path, "magic is 'xyz'");
    }

    [Fact]
    public void PairHeaderIsExplained()
    {
        var path = WriteGood("pair.nii");
        NiftiFilePatch.Bytes(path, 344, "ni1\0"u8.ToArray());
        AssertRefused(path, "separate .img file");
    }

    [Theory]
    [InlineData(0)]
    [InlineData(3)]
    [InlineData(200)]
    public void FileEndsInsideTheHeader(int length)
    {
        var path = WriteGood("stub.nii");
        File.WriteAllBytes(path, File.ReadAllBytes(path)[..length]);
        var e = Assert.Throws<ImageFormatException>(() => NiftiFile.Read(path));
        Assert.Contains("header", e.Message);
    }

    [Fact]
    public void VoxOffsetInsideTheHeader()
    {
        var path = WriteGood("offset.nii");
        NiftiFilePatch.Float32(path, 108, 100f);
        AssertRefused(path, "vox_offset 100");
    }

    [Fact]
    public void VolumeTooLargeForOneBuffer()
    {
        var path = WriteGood("huge.nii", VoxelType.Float32);
        for (int axis = 1; axis <= 3; axis++) NiftiFilePatch.Int16(path, 40 + 2 * axis, short.MaxValue);
        AssertRefused(path, "larger than one buffer");
    }

    [Fact]
    public void MissingFile() =>
        AssertRefused(Path.Combine(_directory.FullName, "absent.nii.gz"), "file not found");

    [Fact]
    public void RandomHeaderCorruptionNeverEscapesAsAnotherException()
    {
        // Whatever the header says, the reader either reads the file or raises ImagingException.
        var good = File.ReadAllBytes(WriteGood("fuzz-source.nii"));
        var path = Path.Combine(_directory.FullName, "fuzz.nii");
        var random = new Random(99);
        int refused = 0;
        for (int trial = 0; trial < 400; trial++)
        {
            var bytes = (byte[])good.Clone();
            for (int m = 0; m < 1 + trial % 4; m++) bytes[random.Next(0, 352)] = (byte)random.Next(256);
            File.WriteAllBytes(path, bytes);
            try
            {
                NiftiFile.Read(path, new NiftiReadOptions { FirstVolumeOf4D = true });
            }
            catch (ImagingException)
            {
                refused++;
            }
        }
        Assert.InRange(refused, 1, 399);
    }
}
