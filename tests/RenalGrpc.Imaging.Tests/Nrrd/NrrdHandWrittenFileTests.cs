using System.IO.Compression;
using System.Text;
using RenalGrpc.Imaging.Nrrd;

namespace RenalGrpc.Imaging.Tests.Nrrd;

/// <summary>Header forms and bad input, each from a small hand-written file.</summary>
public sealed class NrrdHandWrittenFileTests : IDisposable
{
    private readonly ScratchFolder _dir = new();

    public void Dispose() => _dir.Dispose();

    private const string Uchar222 = "NRRD0004\ntype: uchar\ndimension: 3\nsizes: 2 2 2\nspace directions: (1,0,0) (0,1,0) (0,0,1)\nencoding: raw\n";
    private static readonly byte[] Eight = [1, 2, 3, 4, 5, 6, 7, 8];

    private string Write(string name, string header, byte[]? data = null)
    {
        var path = _dir.File(name);
        File.WriteAllBytes(path, [.. Encoding.ASCII.GetBytes(header), .. data ?? []]);
        return path;
    }

    private ImageFormatException ReadFails(string path, string fragment)
    {
        var e = Assert.Throws<ImageFormatException>(() => NrrdFile.Read(path));
        Assert.Equal(path, e.Path);
        Assert.Contains(path, e.Message);
        Assert.Contains(fragment, e.Message);
        return e;
    }

    [Fact]
    public void LineSkipAndByteSkipAreHonoured()
    {
        File.WriteAllBytes(_dir.File("skip.raw"), [.. "first line\nsecond\n"u8.ToArray(), 9, 9, 9, .. Eight]);
        var path = Write("skip.nhdr", Uchar222 + "line skip: 2\nbyte skip: 3\ndata file: skip.raw\n");
        Assert.Equal(Eight, NrrdFile.Read(path).Buffer);
    }

    [Fact]
    public void ByteSkipMinusOneReadsTheEndOfTheFile()
    {
        File.WriteAllBytes(_dir.File("tail.raw"), [0xAA, 0xBB, 0xCC, .. Eight]);
        var path = Write("tail.nhdr", Uchar222 + "byte skip: -1\ndata file: tail.raw\n");
        Assert.Equal(Eight, NrrdFile.Read(path).Buffer);
    }

    [Fact]
    public void AsciiDataIsRead()
    {
        var path = Write("text.nrrd", Uchar222.Replace("encoding: raw", "encoding: ascii").Replace("uchar", "float") + "\n1 2.5 3\n-4, 5 6\n7 8e1\n");
        Assert.Equal([1, 2.5f, 3, -4, 5, 6, 7, 80], NrrdFile.Read(path).ToFloatArray());
    }

    [Fact]
    public void ListedDataFilesAreConcatenated()
    {
        File.WriteAllBytes(_dir.File("s0.raw"), Eight[..4]);
        File.WriteAllBytes(_dir.File("s1.raw"), Eight[4..]);
        var path = Write("list.nhdr", Uchar222 + "data file: LIST 2\ns0.raw\ns1.raw\n");
        Assert.Equal(Eight, NrrdFile.Read(path).Buffer);
        var formatted = Write("fmt.nhdr", Uchar222 + "data file: s%d.raw 0 1 1 2\n");
        Assert.Equal(Eight, NrrdFile.Read(formatted).Buffer);
    }

    [Fact]
    public void LeadingListAxisOfSizeOneIsAccepted()
    {
        var path = Write("list1.nrrd", "NRRD0004\ntype: uchar\ndimension: 4\nsizes: 1 2 2 2\nspace: RAS\nspace directions: none (1,0,0) (0,1,0) (0,0,1)\nkinds: list domain domain domain\nencoding: raw\n\n", Eight);
        var volume = NrrdFile.Read(path);
        Assert.Equal(new GridSize(2, 2, 2), volume.Size);
        Assert.Equal(Eight, volume.Buffer);
    }

    [Fact]
    public void MissingMagic() => ReadFails(Write("magic.nrrd", "NRRX0004\ntype: uchar\n\n", Eight), "not a NRRD file");

    [Fact]
    public void NotEvenText() => ReadFails(Write("png.nrrd", "\x89PNG\r\n", Eight), "not a NRRD file");

    [Fact]
    public void MissingSizes() => ReadFails(Write("nosizes.nrrd", Uchar222.Replace("sizes: 2 2 2\n", "") + "\n", Eight), "\"sizes\" is missing");

    [Fact]
    public void MissingType() => ReadFails(Write("notype.nrrd", Uchar222.Replace("type: uchar\n", "") + "\n", Eight), "\"type\" is missing");

    [Fact]
    public void DataShorterThanTheHeaderSays() => ReadFails(Write("short.nrrd", Uchar222 + "\n", Eight[..5]), "shorter than the header says");

    [Fact]
    public void TruncatedGzip()
    {
        var volume = RandomVolumes.Create(new Random(5), VoxelType.Int16, Geometry.Axial(new GridSize(40, 30, 20), new Vec3(1, 1, 1), Vec3.Zero));
        var path = _dir.File("cut.nrrd");
        NrrdFile.Write(volume, path, NrrdEncoding.Gzip);
        var bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes[..(bytes.Length * 2 / 3)]);
        ReadFails(path, "truncated");
    }

    [Fact]
    public void GzipThatIsNotGzip() => ReadFails(Write("notgz.nrrd", Uchar222.Replace("raw", "gzip") + "\n", [.. Eight, .. Eight]), "gzip data is");

    [Fact]
    public void ZeroSize() => ReadFails(Write("zero.nrrd", Uchar222.Replace("sizes: 2 2 2", "sizes: 2 0 2") + "\n"), "zero or negative sizes");

    [Theory]
    [InlineData("(nan,0,0)")]
    [InlineData("(0,0,0)")]
    public void NanOrZeroSpacing(string direction) =>
        ReadFails(Write("spacing.nrrd", Uchar222.Replace("(1,0,0)", direction) + "\n", Eight), "zero or NaN length");

    [Fact]
    public void SkewedDirections() => ReadFails(Write("skew.nrrd", Uchar222.Replace("(0,1,0)", "(1,1,0)") + "\n", Eight), "not orthonormal");

    [Theory]
    [InlineData("block", "\"block\"")]
    [InlineData("quad", "unsupported type \"quad\"")]
    public void UnsupportedType(string type, string fragment) =>
        ReadFails(Write("type.nrrd", Uchar222.Replace("uchar", type) + "\n", Eight), fragment);

    [Fact]
    public void UnsupportedEncoding() => ReadFails(Write("bz.nrrd", Uchar222.Replace("raw", "bzip2") + "\n", Eight), "unsupported encoding \"bzip2\"");

    [Fact]
    public void MissingEndianForMultiByteSamples() =>
        ReadFails(Write("endian.nrrd", Uchar222.Replace("uchar", "short") + "\n", [.. Eight, .. Eight]), "\"endian\" field is missing");

    [Fact]
    public void MissingDataFile() => ReadFails(Write("gone.nhdr", Uchar222 + "data file: gone.raw\n"), "does not exist");

    [Fact]
    public void ColourAxisIsRefused() =>
        ReadFails(Write("rgb.nrrd", "NRRD0004\ntype: uchar\ndimension: 4\nsizes: 3 2 2 2\nspace directions: none (1,0,0) (0,1,0) (0,0,1)\nkinds: RGB-color domain domain domain\nencoding: raw\n\n", [.. Eight, .. Eight, .. Eight]),
            "non-spatial axis of size 3");

    [Fact]
    public void LeftHandedSpaceIsRefused() =>
        ReadFails(Write("lh.nrrd", Uchar222 + "space: 3D-left-handed\n\n", Eight), "3D-left-handed");

    [Fact]
    public void MissingFile()
    {
        var e = Assert.Throws<ImageFormatException>(() => NrrdFile.Read(_dir.File("absent.nrrd")));
        Assert.Contains("does not exist", e.Message);
    }

    [Fact]
    public void GzipWithByteSkipCountsDecompressedBytes()
    {
        using var packed = new MemoryStream();
        using (var zip = new GZipStream(packed, CompressionLevel.Fastest, leaveOpen: true)) zip.Write([7, 7, .. Eight]);
        var path = Write("gzskip.nrrd", Uchar222.Replace("raw", "gzip") + "byte skip: 2\n\n", packed.ToArray());
        Assert.Equal(Eight, NrrdFile.Read(path).Buffer);
    }
}
