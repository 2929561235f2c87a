using RenalGrpc.Imaging.Nifti;
using RenalGrpc.Imaging.Nrrd;
using RenalGrpc.Imaging.Tests.Nrrd;

namespace RenalGrpc.Imaging.Tests.Itk;

/// <summary>
/// Files written by NiftiFile.Write and NrrdFile.Write must mean the same thing to ITK: same grid,
/// same LPS origin/spacing/direction and the same voxel values, for oblique, left-handed and
/// anisotropic geometries. And the reverse: files ITK writes from them read back to the same volume.
/// </summary>
public sealed class ItkReadBackTests : IDisposable
{
    private const double MillimetreTolerance = 1e-4;
    private const double DirectionTolerance = 1e-5;
    private static readonly string[] Extensions = [".nii.gz", ".nrrd", ".nhdr"];

    private readonly string _directory = Directory.CreateTempSubdirectory("itk-readback-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    public static TheoryData<int, VoxelType> Cases()
    {
        var data = new TheoryData<int, VoxelType>();
        foreach (var type in new[] { VoxelType.Int16, VoxelType.UInt8, VoxelType.Float32 })
            for (int seed = 0; seed < 4; seed++) data.Add(seed, type);
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void ItkReadsOurFilesToTheSameGeometryAndData(int seed, VoxelType type)
    {
        var volume = TestVolume(seed, type);
        var probes = ProbeIndices(volume, seed);
        foreach (var extension in Extensions)
        {
            var path = Path.Combine(_directory, $"written-{seed}-{type}{extension}");
            Write(volume, path);
            var report = ItkReferenceReader.Read(path, probes);
            AssertSameGeometry(volume.Geometry, report, path);
            AssertSameData(volume, report, probes, path);
        }
    }

    [Theory]
    [InlineData(".nii.gz", ".nrrd")]
    [InlineData(".nrrd", ".nii.gz")]
    [InlineData(".nhdr", ".nhdr")]
    public void OurReadersReadWhatItkWrote(string ourExtension, string itkExtension)
    {
        var volume = TestVolume(seed: 11, VoxelType.Int16);
        var ours = Path.Combine(_directory, "ours" + ourExtension);
        var itk = Path.Combine(_directory, "itk" + itkExtension);
        Write(volume, ours);
        ItkReferenceReader.Copy(ours, itk);

        var back = itk.EndsWith(".nii.gz", StringComparison.Ordinal) ? NiftiFile.Read(itk) : NrrdFile.Read(itk);
        Assert.Equal(volume.Size, back.Size);
        AssertClose(volume.Geometry.Spacing, back.Geometry.Spacing, MillimetreTolerance, $"{itk} spacing");
        AssertClose(volume.Geometry.Origin, back.Geometry.Origin, MillimetreTolerance, $"{itk} origin");
        Assert.True(volume.Geometry.Direction.ApproximatelyEquals(back.Geometry.Direction, DirectionTolerance),
            $"{itk} direction {back.Geometry.Direction} vs written {volume.Geometry.Direction}");
        Assert.Equal(volume.ToFloatArray(), back.ToFloatArray());
    }

    private static void Write(Volume volume, string path)
    {
        if (path.EndsWith(".nii.gz", StringComparison.Ordinal)) NiftiFile.Write(volume, path);
        else NrrdFile.Write(volume, path);
    }

    /// <summary>Oblique geometry, right-handed for even seeds and left-handed for odd ones, anisotropic spacing, no NaNs.</summary>
    private static Volume TestVolume(int seed, VoxelType type)
    {
        var random = new Random(1000 + seed);
        var rotation = RandomVolumes.RandomRotation(random);
        bool wantLeftHanded = seed % 2 == 1;
        if (rotation.Determinant < 0 != wantLeftHanded)
            rotation = Matrix3.FromColumns(rotation.Column(0), rotation.Column(1), rotation.Column(2) * -1);
        // Every axis at least 2 voxels so no reader may treat the image as 2-D and drop an axis.
        var size = new GridSize(random.Next(2, 17), random.Next(2, 13), random.Next(2, 9));
        var spacing = new Vec3(0.3 + random.NextDouble(), 0.5 + random.NextDouble() * 2, 1 + random.NextDouble() * 5);
        var origin = new Vec3((random.NextDouble() - 0.5) * 600, (random.NextDouble() - 0.5) * 600, (random.NextDouble() - 0.5) * 1500);
        var volume = Volume.Create(new Geometry(size, spacing, origin, rotation), type);
        FillRandom(volume, random);
        return volume;
    }

    private static void FillRandom(Volume volume, Random random)
    {
        switch (volume.VoxelType)
        {
            case VoxelType.UInt8: random.NextBytes(volume.Buffer); break;
            case VoxelType.Int16: { var v = volume.Voxels<short>(); for (int n = 0; n < v.Length; n++) v[n] = (short)random.Next(short.MinValue, short.MaxValue + 1); break; }
            case VoxelType.Float32: { var v = volume.Voxels<float>(); for (int n = 0; n < v.Length; n++) v[n] = (float)((random.NextDouble() - 0.5) * 4000); break; }
            default: throw new ArgumentOutOfRangeException(nameof(volume), volume.VoxelType, "no filler");
        }
    }

    private static long[] ProbeIndices(Volume volume, int seed)
    {
        var random = new Random(seed);
        var count = volume.VoxelCount;
        return [0, count - 1, (long)(random.NextDouble() * count), (long)(random.NextDouble() * count), (long)(random.NextDouble() * count)];
    }

    private static void AssertSameGeometry(Geometry written, ItkImageReport itk, string path)
    {
        Assert.Equal(new[] { written.Size.I, written.Size.J, written.Size.K }, itk.Size);
        AssertClose(written.Spacing, itk.Spacing, MillimetreTolerance, $"{path} spacing");
        AssertClose(written.Origin, itk.Origin, MillimetreTolerance, $"{path} origin");
        Assert.True(written.Direction.ApproximatelyEquals(itk.Direction, DirectionTolerance),
            $"{path}: ITK direction {itk.Direction} vs written {written.Direction}");
    }

    private static void AssertSameData(Volume written, ItkImageReport itk, long[] probes, string path)
    {
        // Both sides add the same float values in the same order in double, so the sums agree exactly
        // unless a voxel differs; a relative 1e-12 only absorbs printing.
        double sum = 0, sumOfSquares = 0;
        var values = written.ToFloatArray();
        foreach (var v in values) { sum += v; sumOfSquares += (double)v * v; }
        Assert.True(Math.Abs(sum - itk.Sum) <= 1e-12 * Math.Max(1, Math.Abs(sum)), $"{path}: sum {itk.Sum} vs written {sum}");
        Assert.True(Math.Abs(sumOfSquares - itk.SumOfSquares) <= 1e-12 * sumOfSquares, $"{path}: sum of squares {itk.SumOfSquares} vs written {sumOfSquares}");
        Assert.Equal(probes.Select(p => (double)values[p]), itk.Probes);
    }

    private static void AssertClose(Vec3 expected, Vec3 actual, double tolerance, string what)
    {
        for (int axis = 0; axis < 3; axis++)
            Assert.True(Math.Abs(expected[axis] - actual[axis]) <= tolerance, $"{what}: {actual} vs written {expected} (axis {axis})");
    }
}
