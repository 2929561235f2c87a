using RenalGrpc.Imaging.Nrrd;

namespace RenalGrpc.Imaging.Tests.Nrrd;

/// <summary>Write then read: voxels bit for bit, geometry to 1e-6, for random oblique grids.</summary>
public sealed class NrrdRoundTripTests
{
    public static TheoryData<int> Seeds()
    {
        var data = new TheoryData<int>();
        for (int seed = 1; seed <= 32; seed++) data.Add(seed);
        return data;
    }

    [Theory]
    [MemberData(nameof(Seeds))]
    public void EveryTypeEncodingAndLayoutComesBackExactly(int seed)
    {
        var random = new Random(seed);
        var geometry = RandomVolumes.RandomGeometry(random);
        using var dir = new ScratchFolder();
        foreach (var type in Enum.GetValues<VoxelType>())
        {
            var volume = RandomVolumes.Create(random, type, geometry);
            foreach (var encoding in Enum.GetValues<NrrdEncoding>())
            {
                foreach (var extension in new[] { ".nrrd", ".nhdr" })
                {
                    var path = dir.File($"{type}-{encoding}{extension}");
                    NrrdFile.Write(volume, path, encoding);
                    var back = NrrdFile.Read(path);
                    Assert.Equal(type, back.VoxelType);
                    Assert.Equal(volume.Buffer, back.Buffer);
                    AssertSameGeometry(geometry, back.Geometry);
                }
            }
        }
    }

    [Fact]
    public void RandomRotationsIncludeLeftHandedOnes()
    {
        var random = new Random(1);
        var determinants = Enumerable.Range(0, 32).Select(_ => RandomVolumes.RandomGeometry(random).Direction.Determinant).ToList();
        Assert.Contains(determinants, d => d < -0.999);
        Assert.Contains(determinants, d => d > 0.999);
    }

    [Fact]
    public void DetachedHeaderNamesItsDataFileBesideIt()
    {
        using var dir = new ScratchFolder();
        var volume = RandomVolumes.Create(new Random(3), VoxelType.Int16);
        NrrdFile.Write(volume, dir.File("ct.nhdr"), NrrdEncoding.Gzip);
        Assert.Contains("data file: ct.raw.gz", File.ReadAllText(dir.File("ct.nhdr")));
        Assert.True(File.Exists(dir.File("ct.raw.gz")));
        NrrdFile.Write(volume, dir.File("ct2.nhdr"), NrrdEncoding.Raw);
        Assert.Equal(volume.Buffer, File.ReadAllBytes(dir.File("ct2.raw")));
    }

    [Fact]
    public void WrittenHeaderHasTheFieldsSlicerAndItkExpect()
    {
        using var dir = new ScratchFolder();
        var volume = RandomVolumes.Create(new Random(4), VoxelType.Float32);
        NrrdFile.Write(volume, dir.File("a.nrrd"), NrrdEncoding.Raw);
        var bytes = File.ReadAllBytes(dir.File("a.nrrd"));
        var header = System.Text.Encoding.ASCII.GetString(bytes, 0, bytes.Length - volume.Buffer.Length);
        Assert.StartsWith("NRRD0004\n", header);
        Assert.EndsWith("\n\n", header);
        foreach (var line in new[] { "type: float", "dimension: 3", "space: left-posterior-superior", "kinds: domain domain domain", "endian: little", "encoding: raw" })
            Assert.Contains(line + "\n", header);
    }

    private static void AssertSameGeometry(Geometry expected, Geometry actual)
    {
        Assert.Equal(expected.Size, actual.Size);
        Assert.True((expected.Origin - actual.Origin).Length < 1e-6, $"origin {expected.Origin} vs {actual.Origin}");
        for (int a = 0; a < 3; a++) Assert.Equal(expected.Spacing[a], actual.Spacing[a], 1e-6);
        Assert.True(expected.Direction.ApproximatelyEquals(actual.Direction, 1e-6), $"direction {expected.Direction} vs {actual.Direction}");
    }
}
