using RenalGrpc.Imaging.Nifti;
using RenalGrpc.Imaging.Tests.Support;

namespace RenalGrpc.Imaging.Tests.Nifti;

/// <summary>Files written by nibabel (nibabel_cases.py) for the corners its test data does not cover, and nibabel's reading of them.</summary>
public sealed class NibabelCasesFixture : IDisposable
{
    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("nifti-cases-");

    public NibabelCasesFixture()
    {
        var script = File.ReadAllText(Path.Combine(RepositoryPaths.Root, "tests/RenalGrpc.Imaging.Tests/Nifti/nibabel_cases.py"));
        ReferencePython.Run(script, _directory.FullName);
        string[] readable =
        [
            "be2_int16.nii", "ct_uint16_inter.nii.gz", "int16_fraction.nii", "int32_small.nii", "int32_large.nii",
            "float64.nii", "int8.nii", "uint8_4d.nii.gz", "qform_left.nii", "noforms.nii", "extension.nii", "meters.nii",
            "sheared_with_qform.nii",
        ];
        References = NibabelReference.Load(readable.Select(FilePath).ToArray()).ToDictionary(r => Path.GetFileName(r.Path));
    }

    public IReadOnlyDictionary<string, NibabelImage> References { get; }

    public string FilePath(string name) => Path.Combine(_directory.FullName, name);

    public void Dispose() => _directory.Delete(recursive: true);
}

public sealed class NiftiNibabelCaseTests(NibabelCasesFixture cases) : IClassFixture<NibabelCasesFixture>
{
    [Theory]
    [InlineData("be2_int16.nii", VoxelType.Int16)]
    [InlineData("ct_uint16_inter.nii.gz", VoxelType.Int16)]
    [InlineData("int16_fraction.nii", VoxelType.Float32)]
    [InlineData("int32_small.nii", VoxelType.Int16)]
    [InlineData("int32_large.nii", VoxelType.Float32)]
    [InlineData("float64.nii", VoxelType.Float32)]
    [InlineData("int8.nii", VoxelType.Int16)]
    [InlineData("uint8_4d.nii.gz", VoxelType.UInt8)]
    [InlineData("qform_left.nii", VoxelType.Int16)]
    [InlineData("extension.nii", VoxelType.Int16)]
    public void ReadsLikeNibabelWithTheDocumentedVoxelType(string name, VoxelType expectedType)
    {
        var volume = NiftiFile.Read(cases.FilePath(name), new NiftiReadOptions { FirstVolumeOf4D = true });
        Assert.Equal(expectedType, volume.VoxelType);
        NibabelAssert.SameGeometry(cases.References[name], volume.Geometry);
        NibabelAssert.SameData(cases.References[name], volume);
    }

    [Fact]
    public void HeaderDetailsOfTheCasesAreWhatTheTestsNeed()
    {
        var be2 = NiftiFile.ReadHeader(cases.FilePath("be2_int16.nii"));
        Assert.Equal((2, true), (be2.Version, be2.BigEndian));
        var left = NiftiFile.ReadHeader(cases.FilePath("qform_left.nii"));
        Assert.Equal((0, 1, -1.0), (left.SFormCode, left.QFormCode, left.PixDim[0]));
        Assert.True(NiftiFile.Read(cases.FilePath("qform_left.nii")).Geometry.Direction.Determinant < 0);
        Assert.True(NiftiFile.ReadHeader(cases.FilePath("extension.nii")).VoxOffset > 352);
    }

    [Fact]
    public void WithoutFormsTheGridIsPixdimOnly()
    {
        // nibabel's affine for a file with qform_code = sform_code = 0 is its "base affine": x
        // flipped and the origin moved to the grid centre. The NIfTI spec's method 1 (as in niftilib's
        // nifti1_io.c) is pixdim scaling with the origin at voxel 0 and no flip, in RAS.
        var volume = NiftiFile.Read(cases.FilePath("noforms.nii"));
        Assert.Equal(new Vec3(1.5, 2.0, 3.0), volume.Geometry.Spacing);
        Assert.Equal(Vec3.Zero, volume.Geometry.Origin);
        Assert.Equal(new Matrix3(-1, 0, 0, 0, -1, 0, 0, 0, 1), volume.Geometry.Direction);
        Assert.Equal("RAS", volume.Geometry.OrientationCode());
        NibabelAssert.SameData(cases.References["noforms.nii"], volume);
    }

    [Fact]
    public void MetreUnitsBecomeMillimetres()
    {
        // nibabel reports the affine in the file's units (metres); our geometry is always mm.
        var volume = NiftiFile.Read(cases.FilePath("meters.nii"));
        Assert.Equal(0.7, volume.Geometry.Spacing.X, 1e-4);
        Assert.Equal(0.8, volume.Geometry.Spacing.Y, 1e-4);
        Assert.Equal(2.5, volume.Geometry.Spacing.Z, 1e-4);
        Assert.Equal(0.0007, cases.References["meters.nii"].Affine[0][0], 1e-9);
    }

    [Fact]
    public void ShearedSformFallsBackToTheRigidQform()
    {
        // nibabel returns the sheared sform; a Geometry cannot hold shear, so we use the qform,
        // and the result matches nibabel's qform.
        var volume = NiftiFile.Read(cases.FilePath("sheared_with_qform.nii"));
        var reference = cases.References["sheared_with_qform.nii"];
        NibabelAssert.SameGeometry(reference with { Affine = reference.QForm }, volume.Geometry);
        Assert.NotEqual(reference.Affine[0][1], reference.QForm[0][1], 1e-3);
    }

    [Fact]
    public void ShearedSformWithoutQformIsRefused()
    {
        var path = cases.FilePath("sheared_no_qform.nii");
        var e = Assert.Throws<ImageFormatException>(() => NiftiFile.Read(path));
        Assert.Contains("sheared", e.Message);
        Assert.Contains(path, e.Message);
    }

    [Theory]
    [InlineData("complex64.nii", "unsupported datatype 32 (complex64)")]
    [InlineData("rgb24.nii", "unsupported datatype 128 (rgb24)")]
    public void ColourAndComplexAreUnsupported(string name, string fragment)
    {
        var e = Assert.Throws<ImageFormatException>(() => NiftiFile.Read(cases.FilePath(name)));
        Assert.Contains(fragment, e.Message);
    }
}
