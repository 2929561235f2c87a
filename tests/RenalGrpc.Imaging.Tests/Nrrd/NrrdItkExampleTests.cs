using System.Globalization;
using System.Security.Cryptography;
using RenalGrpc.Imaging.Nrrd;
using RenalGrpc.Imaging.Tests.Support;

namespace RenalGrpc.Imaging.Tests.Nrrd;

/// <summary>
/// The NRRD headers shipped with ITK's examples (Debian insighttoolkit5-examples), checked
/// against the MetaImage (.mhd) description of the same image, read independently by numpy/zlib.
/// </summary>
public sealed class NrrdItkExampleTests
{
    private const string Package = "insighttoolkit5-examples";

    // Reads a MetaImage header and its data (raw or zlib .zraw): prints the geometry and the sha256 of the voxels.
    private const string MetaImageScript = """
import sys, zlib, hashlib, numpy as np, os
path = sys.argv[1]
h = {}
for line in open(path):
    if '=' in line:
        k, v = line.split('=', 1); h[k.strip()] = v.strip()
data = open(os.path.join(os.path.dirname(path), h['ElementDataFile']), 'rb').read()
if h.get('CompressedData') == 'True': data = zlib.decompress(data)
dims = [int(x) for x in h['DimSize'].split()]
assert h['ElementType'] == 'MET_UCHAR'
voxels = np.frombuffer(data, dtype=np.uint8, count=int(np.prod(dims)))
print(' '.join(h['DimSize'].split()))
print(' '.join(h['ElementSpacing'].split()))
print(' '.join(h['Offset'].split()))
print(' '.join(h['TransformMatrix'].split()))
print(hashlib.sha256(voxels.tobytes()).hexdigest())
""";

    public static TheoryData<string> Headers()
    {
        var data = new TheoryData<string>();
        foreach (var file in DebianTestData.Find(Package, "*.nhdr").Concat(DebianTestData.Find(Package, "*.nrrd")).Order())
            data.Add(Path.GetFileName(file));
        return data;
    }

    [Fact]
    public void PackageShipsNrrdHeaders() => Assert.True(Headers().Count >= 5);

    [Theory]
    [MemberData(nameof(Headers))]
    public void GeometryAndVoxelsMatchTheMetaImageOfTheSameImage(string name)
    {
        var header = DebianTestData.Find(Package, name).Single();
        var metaImage = Path.ChangeExtension(header, ".mhd");
        Assert.True(File.Exists(metaImage), $"no MetaImage twin for {name}");
        var lines = ReferencePython.Run(MetaImageScript, metaImage).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        double[] Numbers(int line) => lines[line].Split(' ').Select(w => double.Parse(w, CultureInfo.InvariantCulture)).ToArray();

        var volume = NrrdFile.Read(header);

        var dims = Numbers(0);
        Assert.Equal(new GridSize((int)dims[0], (int)dims[1], 1), volume.Size);
        Assert.Equal(VoxelType.UInt8, volume.VoxelType);
        var spacing = Numbers(1);
        Assert.Equal(spacing[0], volume.Geometry.Spacing.X, 5);
        Assert.Equal(spacing[1], volume.Geometry.Spacing.Y, 5);
        var offset = Numbers(2);
        Assert.Equal(new Vec3(offset[0], offset[1], 0), volume.Geometry.Origin);
        // MetaImage lists the direction of axis 0, then of axis 1.
        var m = Numbers(3);
        var d = volume.Geometry.Direction;
        Assert.Equal(m[0], d[0, 0], 5);
        Assert.Equal(m[1], d[1, 0], 5);
        Assert.Equal(m[2], d[0, 1], 5);
        Assert.Equal(m[3], d[1, 1], 5);
        Assert.Equal(new Vec3(0, 0, 1), d.Column(2)); // a 2-D slice's normal
        Assert.Equal(lines[4].Trim(), Convert.ToHexString(SHA256.HashData(volume.Buffer)).ToLowerInvariant());
    }

    [Fact]
    public void RotatedHeaderGivesTheRotationItDeclares()
    {
        var volume = NrrdFile.Read(DebianTestData.Find(Package, "BrainProtonDensitySliceBorder20DirectionPlus30.nhdr").Single());
        Assert.Equal("oblique", volume.Geometry.OrientationCode());
        Assert.Equal(30.0, Math.Atan2(volume.Geometry.Direction[1, 0], volume.Geometry.Direction[0, 0]) * 180 / Math.PI, 4);
        Assert.Equal(new GridSize(221, 257, 1), volume.Size);
    }
}
