using System.Buffers.Binary;
using System.Globalization;
using System.Text.RegularExpressions;
using RenalGrpc.Imaging.Nrrd;

namespace RenalGrpc.Imaging.Tests.Nrrd;

/// <summary>
/// Files written by teem (every scalar type, both endians, raw/gzip/ascii, named spaces) are
/// read by us, and files we write are read back by teem.
/// </summary>
public sealed partial class NrrdTeemCrossCheckTests
{
    private const int I = 4, J = 5, K = 6, Count = I * J * K;

    public static TheoryData<string, VoxelType> TypeNames() => new()
    {
        { "signed char", VoxelType.Int16 },
        { "uchar", VoxelType.UInt8 },
        { "short", VoxelType.Int16 },
        { "ushort", VoxelType.UInt16 },
        { "int", VoxelType.Float32 },
        { "uint", VoxelType.Float32 },
        { "longlong", VoxelType.Float32 },
        { "ulonglong", VoxelType.Float32 },
        { "float", VoxelType.Float32 },
        { "double", VoxelType.Float32 },
    };

    private static bool IsSigned(string type) => type is "signed char" or "short" or "int" or "longlong" or "float" or "double";

    private static double Expected(string type, int n) => type is "float" or "double"
        ? n * 0.25 - 10
        : IsSigned(type) ? n % 200 - 100 : n * 7 % 250;

    private static byte[] LittleEndianSamples(string type)
    {
        int size = type switch { "signed char" or "uchar" => 1, "short" or "ushort" => 2, "int" or "uint" or "float" => 4, _ => 8 };
        var bytes = new byte[Count * size];
        for (int n = 0; n < Count; n++)
        {
            var span = bytes.AsSpan(n * size, size);
            double v = Expected(type, n);
            switch (type)
            {
                case "signed char": span[0] = (byte)(sbyte)v; break;
                case "uchar": span[0] = (byte)v; break;
                case "short": BinaryPrimitives.WriteInt16LittleEndian(span, (short)v); break;
                case "ushort": BinaryPrimitives.WriteUInt16LittleEndian(span, (ushort)v); break;
                case "int": BinaryPrimitives.WriteInt32LittleEndian(span, (int)v); break;
                case "uint": BinaryPrimitives.WriteUInt32LittleEndian(span, (uint)v); break;
                case "longlong": BinaryPrimitives.WriteInt64LittleEndian(span, (long)v); break;
                case "ulonglong": BinaryPrimitives.WriteUInt64LittleEndian(span, (ulong)v); break;
                case "float": BinaryPrimitives.WriteSingleLittleEndian(span, (float)v); break;
                default: BinaryPrimitives.WriteDoubleLittleEndian(span, v); break;
            }
        }
        return bytes;
    }

    [Theory]
    [MemberData(nameof(TypeNames))]
    public void ReadsEveryTypeEndianAndEncodingTeemWrites(string type, VoxelType expectedType)
    {
        using var dir = new ScratchFolder();
        File.WriteAllBytes(dir.File("samples.raw"), LittleEndianSamples(type));
        TeemUnu.Run(dir.FullPath, "make", "-i", "samples.raw", "-t", type, "-s", $"{I}", $"{J}", $"{K}", "-e", "raw", "-en", "little",
            "-spc", "RAS", "-orig", "(1,2,3)", "-dirs", "(0,-2,0) (1.5,0,0) (0,0,3)", "-o", "made.nrrd");
        foreach (var encoding in new[] { "raw", "gzip", "ascii" })
        {
            // Endianness does not apply to ascii, and teem 1.12 byte-swaps the values it prints when asked for "big".
            foreach (var endian in encoding == "ascii" ? new[] { "little" } : new[] { "little", "big" })
            {
                var name = $"teem-{encoding}-{endian}.nrrd";
                TeemUnu.Run(dir.FullPath, "save", "-f", "nrrd", "-e", encoding, "-en", endian, "-i", "made.nrrd", "-o", name);
                var volume = NrrdFile.Read(dir.File(name));

                Assert.Equal(expectedType, volume.VoxelType);
                var values = volume.ToFloatArray();
                for (int n = 0; n < Count; n++)
                    Assert.True((float)Expected(type, n) == values[n], $"{name} voxel {n}: expected {Expected(type, n)}, read {values[n]}");
                // RAS (0,-2,0) (1.5,0,0) (0,0,3) and origin (1,2,3) in LPS:
                var g = volume.Geometry;
                Assert.Equal(new GridSize(I, J, K), g.Size);
                Assert.Equal(new Vec3(2, 1.5, 3), g.Spacing);
                Assert.Equal(new Vec3(-1, -2, 3), g.Origin);
                Assert.Equal(new Matrix3(0, -1, 0, 1, 0, 0, 0, 0, 1), g.Direction);
            }
        }
    }

    [Theory]
    [InlineData("LPS", 1, 1)]
    [InlineData("RAS", -1, -1)]
    [InlineData("LAS", 1, -1)]
    [InlineData("3D-right-handed", 1, 1)]
    [InlineData("scanner-xyz", 1, 1)]
    public void NamedSpacesBecomeLps(string space, double flipX, double flipY)
    {
        using var dir = new ScratchFolder();
        File.WriteAllBytes(dir.File("samples.raw"), LittleEndianSamples("uchar"));
        TeemUnu.Run(dir.FullPath, "make", "-i", "samples.raw", "-t", "uchar", "-s", $"{I}", $"{J}", $"{K}", "-e", "raw",
            "-spc", space, "-orig", "(10,20,30)", "-dirs", "(0.6,0.8,0) (-0.8,0.6,0) (0,0,2)", "-o", "made.nrrd");
        var g = NrrdFile.Read(dir.File("made.nrrd")).Geometry;
        Assert.Equal(new Vec3(10 * flipX, 20 * flipY, 30), g.Origin);
        Assert.Equal(new Vec3(0.6 * flipX, 0.8 * flipY, 0), g.Direction.Column(0));
        Assert.Equal(new Vec3(-0.8 * flipX, 0.6 * flipY, 0), g.Direction.Column(1));
        Assert.Equal(new Vec3(1, 1, 2), g.Spacing);
    }

    [Fact]
    public void OldStyleSpacingsGiveAnAxisAlignedGrid()
    {
        using var dir = new ScratchFolder();
        File.WriteAllBytes(dir.File("samples.raw"), LittleEndianSamples("short"));
        TeemUnu.Run(dir.FullPath, "make", "-i", "samples.raw", "-t", "short", "-s", $"{I}", $"{J}", $"{K}", "-e", "raw", "-en", "little",
            "-sp", "0.5", "0.75", "2.5", "-o", "made.nrrd");
        Assert.Contains("spacings: 0.5 0.75 2.5", File.ReadAllText(dir.File("made.nrrd")).Split("\n\n")[0]);
        var g = NrrdFile.Read(dir.File("made.nrrd")).Geometry;
        Assert.Equal(new Vec3(0.5, 0.75, 2.5), g.Spacing);
        Assert.Equal(Matrix3.Identity, g.Direction);
        Assert.Equal(Vec3.Zero, g.Origin);
    }

    [GeneratedRegex(@"space directions: \(([^)]*)\) \(([^)]*)\) \(([^)]*)\)")]
    private static partial Regex DirectionsLine();

    [GeneratedRegex(@"space origin: \(([^)]*)\)")]
    private static partial Regex OriginLine();

    private static Vec3 ParseVec(string text)
    {
        var v = text.Split(',').Select(w => double.Parse(w, CultureInfo.InvariantCulture)).ToArray();
        return new Vec3(v[0], v[1], v[2]);
    }

    [Theory]
    [InlineData(VoxelType.Int16, NrrdEncoding.Gzip, ".nrrd")]
    [InlineData(VoxelType.Float32, NrrdEncoding.Raw, ".nhdr")]
    [InlineData(VoxelType.UInt8, NrrdEncoding.Raw, ".nrrd")]
    [InlineData(VoxelType.UInt16, NrrdEncoding.Gzip, ".nhdr")]
    public void TeemReadsWhatWeWrite(VoxelType type, NrrdEncoding encoding, string extension)
    {
        using var dir = new ScratchFolder();
        var volume = RandomVolumes.Create(new Random(7 + (int)type), type);
        var ours = dir.File("ours" + extension);
        NrrdFile.Write(volume, ours, encoding);

        // teem parses our header and data, then re-writes them raw with its own header printer.
        TeemUnu.Run(dir.FullPath, "save", "-f", "nrrd", "-e", "raw", "-en", "little", "-i", ours, "-o", "teem.nhdr");
        Assert.Equal(volume.Buffer, File.ReadAllBytes(dir.File("teem.raw")));
        var teemHeader = File.ReadAllText(dir.File("teem.nhdr"));
        Assert.Contains("space: left-posterior-superior", teemHeader);
        Assert.Contains($"type: {type.ToString() switch { "UInt8" => "unsigned char", "Int16" => "short", "UInt16" => "unsigned short", _ => "float" }}", teemHeader);
        var dirs = DirectionsLine().Match(teemHeader);
        Assert.True(dirs.Success, teemHeader);
        var m = volume.Geometry.IndexToPhysicalMatrix;
        for (int axis = 0; axis < 3; axis++)
        {
            var teem = ParseVec(dirs.Groups[axis + 1].Value);
            Assert.True((teem - m.Column(axis)).Length < 1e-12, $"axis {axis}: teem {teem}, ours {m.Column(axis)}");
        }
        var origin = ParseVec(OriginLine().Match(teemHeader).Groups[1].Value);
        Assert.True((origin - volume.Geometry.Origin).Length < 1e-12);
    }
}
