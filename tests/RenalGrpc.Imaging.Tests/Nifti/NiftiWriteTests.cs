using RenalGrpc.Imaging.Nifti;

namespace RenalGrpc.Imaging.Tests.Nifti;

public sealed class NiftiWriteTests : IDisposable
{
    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("nifti-write-");

    public void Dispose() => _directory.Delete(recursive: true);

    [Fact]
    public void NibabelReadsOurFilesWithTheSameGeometryAndData()
    {
        var random = new Random(1234);
        var written = new List<(string Path, Volume Volume)>();
        var geometries = new[]
        {
            Geometry.Axial(new GridSize(9, 7, 5), new Vec3(0.75, 0.8, 2.5), new Vec3(-180.5, -200.25, 1200)),
            new Geometry(new GridSize(8, 6, 4), new Vec3(0.6, 0.7, 3), new Vec3(10, -20, 30), NiftiTestVolumes.RandomDirection(random, leftHanded: false)),
            new Geometry(new GridSize(5, 6, 7), new Vec3(1.2, 0.9, 1.5), new Vec3(-42, 17, -99), NiftiTestVolumes.RandomDirection(random, leftHanded: true)),
            // RAS-stored grid (the usual NIfTI layout), left-handed in LPS terms.
            new Geometry(new GridSize(6, 5, 4), new Vec3(1, 1, 1), new Vec3(90, 126, -72), new Matrix3(-1, 0, 0, 0, -1, 0, 0, 0, 1)),
        };
        int n = 0;
        foreach (var geometry in geometries)
        {
            foreach (var type in NiftiTestVolumes.AllTypes)
            {
                var volume = NiftiTestVolumes.GradientVolume(geometry, type);
                var path = Path.Combine(_directory.FullName, $"ours{n++}.nii" + (n % 2 == 0 ? ".gz" : ""));
                NiftiFile.Write(volume, path);
                written.Add((path, volume));
            }
        }

        var references = NibabelReference.Load(written.Select(w => w.Path).ToArray());

        for (int i = 0; i < written.Count; i++)
        {
            NibabelAssert.SameGeometry(references[i], written[i].Volume.Geometry);
            NibabelAssert.SameData(references[i], written[i].Volume);
            // qform (with qfac for left-handed grids) must describe the same grid as the sform.
            NibabelAssert.SameGeometry(references[i] with { Affine = references[i].QForm }, written[i].Volume.Geometry);
        }
    }

    [Fact]
    public void HeaderHasTheDocumentedFields()
    {
        var geometry = new Geometry(new GridSize(3, 4, 5), new Vec3(0.5, 0.6, 2), new Vec3(1, 2, 3), NiftiTestVolumes.RandomDirection(new Random(5), leftHanded: true));
        var path = Path.Combine(_directory.FullName, "header.nii.gz");
        NiftiFile.Write(NiftiTestVolumes.GradientVolume(geometry, VoxelType.Int16), path);

        var header = NiftiFile.ReadHeader(path);
        Assert.Equal((1, false, "n+1"), (header.Version, header.BigEndian, header.Magic));
        Assert.Equal((1, 1), (header.SFormCode, header.QFormCode));
        Assert.Equal(352, header.VoxOffset);
        Assert.Equal(2, header.XyztUnits & 7);
        Assert.Equal(-1.0, header.PixDim[0]); // qfac of a left-handed grid
        Assert.Equal(NiftiDataType.Int16, header.DataType);
        Assert.Equal([0.5, 0.6, 2.0], header.PixDim.Skip(1).Take(3).Select(v => Math.Round(v, 6)));
        using var gzip = File.OpenRead(path);
        Assert.Equal(0x1f, gzip.ReadByte());
    }

    [Fact]
    public void PlainPathIsNotCompressedAndOverwritesAtomically()
    {
        var volume = NiftiTestVolumes.GradientVolume(Geometry.Axial(new GridSize(4, 4, 4), new Vec3(1, 1, 1), Vec3.Zero), VoxelType.UInt8);
        var path = Path.Combine(_directory.FullName, "plain.nii");
        File.WriteAllText(path, "old content");
        NiftiFile.Write(volume, path);
        Assert.Equal(352 + 64, new FileInfo(path).Length);
        Assert.Single(_directory.GetFiles()); // no temporary file left behind
    }
}
