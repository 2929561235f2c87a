using RenalGrpc.Imaging.Nifti;

namespace RenalGrpc.Imaging.Tests.Nifti;

/// <summary>nibabel's answers for every NIfTI image in its own test data, computed once.</summary>
public sealed class NibabelTestDataFixture
{
    /// <summary>A NIfTI-2 file whose dims (1x1x1x1x10x10, intent 3001) make it a CIFTI-2 dense connectome, not a volume.</summary>
    public const string CiftiFile = "row_major.dconn.nii";

    public NibabelTestDataFixture()
    {
        var volumes = NibabelReference.TestDataFiles().Where(f => Path.GetFileName(f) != CiftiFile).ToArray();
        References = NibabelReference.Load(volumes).ToDictionary(r => Path.GetFileName(r.Path));
    }

    public IReadOnlyDictionary<string, NibabelImage> References { get; }
}

public sealed class NiftiNibabelDataTests(NibabelTestDataFixture fixture) : IClassFixture<NibabelTestDataFixture>
{
    public static TheoryData<string> VolumeFiles()
    {
        var data = new TheoryData<string>();
        foreach (var f in NibabelReference.TestDataFiles())
            if (Path.GetFileName(f) != NibabelTestDataFixture.CiftiFile) data.Add(Path.GetFileName(f));
        return data;
    }

    [Fact]
    public void TestDataHoldsTheExpectedVariety()
    {
        // If a future nibabel drops files, this says so instead of silently testing less.
        var names = NibabelReference.TestDataFiles().Select(Path.GetFileName).ToArray();
        Assert.Contains("anatomical.nii", names);        // NIfTI-1 big-endian int16
        Assert.Contains("example4d.nii.gz", names);      // gzip, oblique sform, 4-D
        Assert.Contains("example_nifti2.nii.gz", names); // NIfTI-2
        Assert.Contains("functional.nii", names);        // scl_slope / scl_inter
        Assert.True(names.Length >= 7);
    }

    [Theory]
    [MemberData(nameof(VolumeFiles))]
    public void ReadsLikeNibabel(string name)
    {
        var path = fixture.References[name].Path;
        var header = NiftiFile.ReadHeader(path);
        var volume = NiftiFile.Read(path, new NiftiReadOptions { FirstVolumeOf4D = header.VolumeCount > 1 });

        NibabelAssert.SameGeometry(fixture.References[name], volume.Geometry);
        NibabelAssert.SameData(fixture.References[name], volume);
    }

    [Fact]
    public void HeaderOnlyGeometryMatchesFullRead()
    {
        var path = fixture.References["example4d.nii.gz"].Path;
        var full = NiftiFile.Read(path, new NiftiReadOptions { FirstVolumeOf4D = true });
        Assert.Equal(full.Geometry, NiftiFile.ReadGeometry(path));
        var header = NiftiFile.ReadHeader(path);
        Assert.Equal(1, header.Version);
        Assert.Equal(2, header.VolumeCount);
        Assert.Equal("oblique", full.Geometry.OrientationCode());
    }

    [Fact]
    public void ScaledInt16IsDecodedToFloat()
    {
        // functional.nii stores int16 with a fractional scl_slope: the values are not whole numbers.
        var path = fixture.References["functional.nii"].Path;
        var volume = NiftiFile.Read(path, new NiftiReadOptions { FirstVolumeOf4D = true });
        Assert.Equal(VoxelType.Float32, volume.VoxelType);
    }

    [Fact]
    public void BigEndianFileIsDetectedFromSizeofHdr()
    {
        var path = fixture.References["anatomical.nii"].Path;
        Assert.True(NiftiFile.ReadHeader(path).BigEndian);
        Assert.Equal(VoxelType.Int16, NiftiFile.Read(path).VoxelType);
    }

    [Fact]
    public void NiftiTwoFileIsRead()
    {
        var path = fixture.References["example_nifti2.nii.gz"].Path;
        Assert.Equal(2, NiftiFile.ReadHeader(path).Version);
    }

    [Fact]
    public void FourDimensionalFileNeedsTheOption()
    {
        var path = fixture.References["example4d.nii.gz"].Path;
        var e = Assert.Throws<ImageFormatException>(() => NiftiFile.Read(path));
        Assert.Contains("4-D", e.Message);
        Assert.Contains(nameof(NiftiReadOptions.FirstVolumeOf4D), e.Message);
        Assert.Contains(path, e.Message);
    }

    [Fact]
    public void CiftiFileIsRefusedAsNotAVolume()
    {
        // nibabel reads row_major.dconn.nii as a 10x10 CIFTI-2 matrix (dims 1x1x1x1x10x10), which has
        // no voxel grid; we refuse it with a message rather than invent a geometry.
        var path = NibabelReference.TestDataFiles().Single(f => Path.GetFileName(f) == NibabelTestDataFixture.CiftiFile);
        var e = Assert.Throws<ImageFormatException>(() => NiftiFile.Read(path, new NiftiReadOptions { FirstVolumeOf4D = true }));
        Assert.Contains("dimension 5", e.Message);
    }
}
