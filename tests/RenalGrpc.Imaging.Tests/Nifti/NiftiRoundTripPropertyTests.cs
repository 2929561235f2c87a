using RenalGrpc.Imaging.Nifti;

namespace RenalGrpc.Imaging.Tests.Nifti;

public sealed class NiftiRoundTripPropertyTests : IDisposable
{
    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("nifti-roundtrip-");

    public void Dispose() => _directory.Delete(recursive: true);

    [Fact]
    public void RandomObliqueGeometriesAndVoxelTypesRoundTripExactly()
    {
        var random = new Random(20261126);
        const int geometries = 60;
        for (int g = 0; g < geometries; g++)
        {
            var geometry = NiftiTestVolumes.RandomGeometry(random, leftHanded: g % 3 == 0);
            var type = NiftiTestVolumes.AllTypes[g % NiftiTestVolumes.AllTypes.Length];
            var volume = NiftiTestVolumes.RandomVolume(random, geometry, type);
            var path = Path.Combine(_directory.FullName, $"rt{g}.nii" + (g % 2 == 0 ? ".gz" : ""));

            NiftiFile.Write(volume, path);
            var back = NiftiFile.Read(path);

            string what = $"case {g}: {type} {geometry}";
            Assert.True(NiftiTestVolumes.SameBits(volume, back), $"{what}: voxels differ");
            Assert.Equal(geometry.Size, back.Geometry.Size);
            for (int a = 0; a < 3; a++)
            {
                // 1e-5 holds through the float32 srows: origins within +-250 mm round to < 8e-6.
                Assert.True(Math.Abs(geometry.Spacing[a] - back.Geometry.Spacing[a]) <= 1e-5, $"{what}: spacing {back.Geometry.Spacing}");
                Assert.True(Math.Abs(geometry.Origin[a] - back.Geometry.Origin[a]) <= 1e-5, $"{what}: origin {back.Geometry.Origin}");
            }
            Assert.True(geometry.Direction.ApproximatelyEquals(back.Geometry.Direction, 1e-5), $"{what}: direction {back.Geometry.Direction}");
            Assert.True(back.Geometry.Direction.IsOrthonormal(1e-12), $"{what}: direction not orthonormalised");
        }
    }

    [Fact]
    public void QformAloneGivesTheSameGeometryAsTheSform()
    {
        // The writer's quaternion must be right on its own: clear sform_code and read through the qform.
        var random = new Random(77);
        for (int g = 0; g < 40; g++)
        {
            var geometry = NiftiTestVolumes.RandomGeometry(random, leftHanded: g % 2 == 1);
            var path = Path.Combine(_directory.FullName, $"q{g}.nii");
            NiftiFile.Write(NiftiTestVolumes.RandomVolume(random, geometry, VoxelType.UInt8), path);
            NiftiFilePatch.Int16(path, 254, 0);
            var back = NiftiFile.Read(path).Geometry;
            Assert.True(geometry.Direction.ApproximatelyEquals(back.Direction, 1e-5), $"case {g}: {geometry.Direction} vs {back.Direction}");
            Assert.True((geometry.Origin - back.Origin).Length <= 2e-5);
        }
    }
}
