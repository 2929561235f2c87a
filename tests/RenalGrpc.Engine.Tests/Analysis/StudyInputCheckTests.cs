using RenalGrpc.Engine.Analysis;
using RenalGrpc.Imaging;
using RenalGrpc.Imaging.Resampling;

namespace RenalGrpc.Engine.Tests.Analysis;

public sealed class StudyInputCheckTests
{
    private static readonly Vec3 ModelSpacing = new(2.5, 2.5, 5.0);

    private static Geometry Axial(int i, int j, int k, double si, double sj, double sk) =>
        Geometry.Axial(new GridSize(i, j, k), new Vec3(si, sj, sk), new Vec3(-180, -180, -900));

    /// <summary>Soft tissue (0 HU) with one voxel of air, as far as the checks are concerned a CT.</summary>
    private static Volume Scan(Geometry geometry)
    {
        var volume = Volume.Create(geometry, VoxelType.Int16);
        volume.Voxels<short>()[0] = -1000;
        return volume;
    }

    [Fact]
    public void ModelGridIsCountedAsTheResamplerBuildsIt()
    {
        double a = Math.PI / 7;
        var oblique = new Geometry(new GridSize(97, 131, 33), new Vec3(0.77, 0.91, 3.3), new Vec3(5, -7, 11),
            new Matrix3(Math.Cos(a), -Math.Sin(a), 0, Math.Sin(a), Math.Cos(a), 0, 0, 0, 1));
        foreach (var g in new[] { Axial(512, 512, 200, 0.7, 0.7, 1.0), Axial(1, 1, 1, 0.5, 0.5, 0.5), Axial(64, 64, 20, 5.3, 5.3, 10), oblique })
        {
            Assert.Equal(VolumeResampler.ResampledGeometry(g, ModelSpacing).VoxelCount, StudyInputCheck.ModelGridVoxels(g, ModelSpacing));
        }
    }

    [Fact]
    public void RealFieldsOfViewPassAndASpacingInTheWrongUnitIsRefused()
    {
        // A whole-body field of view (500 x 500 x 2000 mm) is 16 M voxels on the model grid: accepted, phases in
        // N, A, P, D order. (Few, large voxels here: the check reads the geometry, and the test stays light.)
        var body = Scan(Axial(128, 128, 250, 3.9, 3.9, 8.0));
        var abdomen = Scan(Axial(256, 256, 100, 1.4, 1.4, 2.0));
        var arterial = Scan(Axial(256, 256, 100, 1.4, 1.4, 2.0));
        arterial.Voxels<short>()[1] = 180;
        Assert.Equal(["N", "A", "P"], StudyInputCheck.CheckedPhases(new Dictionary<string, Volume> { ["P"] = abdomen, ["N"] = body, ["A"] = arterial }, ModelSpacing));

        // A spacing in 1/100 mm read as mm: 32 x 32 x 20 m.
        var wrongUnit = Scan(Axial(64, 64, 20, 500, 500, 1000));
        var e = Assert.Throws<ArgumentException>(() => StudyInputCheck.CheckedPhases(new Dictionary<string, Volume> { ["P"] = abdomen, ["D"] = wrongUnit }, ModelSpacing));
        Assert.StartsWith("phase D spans 32000 x 32000 x 20000 mm (64 x 64 x 20 voxels of 500 x 500 x 1000 mm)", e.Message);
        Assert.Contains($"over the limit of {StudyInputCheck.MaxModelGridVoxels}", e.Message);
        // Just over the limit (1.3 x 1.3 x 2 m) is refused too: the check is the model grid, not a unit guess.
        Assert.Throws<ArgumentException>(() => StudyInputCheck.CheckedPhases(new Dictionary<string, Volume> { ["N"] = Scan(Axial(130, 130, 40, 10, 10, 50)) }, ModelSpacing));
    }

    [Fact]
    public void OneScanGivenForTwoPhasesIsRefused()
    {
        // The same voxels twice, even under another geometry (a header rewritten, a copy re-exported): no two
        // acquisitions agree on every voxel, and the classifier would read "no enhancement" between them.
        var g = Axial(8, 8, 4, 1, 1, 1);
        var portal = Scan(g);
        var copy = Volume.FromVoxels<short>(Axial(8, 8, 4, 0.9, 0.9, 1.2), portal.Voxels<short>());
        var e = Assert.Throws<ArgumentException>(() => StudyInputCheck.CheckedPhases(
            new Dictionary<string, Volume> { ["P"] = portal, ["N"] = Scan(Axial(8, 8, 2, 1, 1, 1)), ["D"] = copy }, ModelSpacing));
        Assert.Equal("phases P and D hold identical voxels: one scan given for two phases", e.Message);

        // One voxel apart is two scans.
        copy.Voxels<short>()[63] = 1;
        Assert.Equal(["P", "D"], StudyInputCheck.CheckedPhases(new Dictionary<string, Volume> { ["D"] = copy, ["P"] = portal }, ModelSpacing));
    }

    [Fact]
    public void NonFiniteVoxelsAreRefusedWithTheirCount()
    {
        var g = Axial(8, 8, 4, 1, 1, 1);
        var values = new float[g.VoxelCount];
        values[3] = float.NaN;
        values[40] = float.NegativeInfinity;
        values[41] = 1e30f; // huge but a number: the clip window takes care of it
        var e = Assert.Throws<ArgumentException>(() => StudyInputCheck.CheckedPhases(
            new Dictionary<string, Volume> { ["N"] = Scan(g), ["A"] = Volume.FromVoxels<float>(g, values) }, ModelSpacing));
        Assert.StartsWith("phase A: 2 of 256 voxels are NaN or infinite", e.Message);
        values[3] = values[40] = 0;
        values[0] = -1000;
        Assert.Equal(["A"], StudyInputCheck.CheckedPhases(new Dictionary<string, Volume> { ["A"] = Volume.FromVoxels<float>(g, values) }, ModelSpacing));
    }

    [Fact]
    public void VoxelsThatCannotBeHounsfieldUnitsAreRefused()
    {
        // Stored DICOM values (HU + 1024, air at 0) sent without the rescale, as uint16 or int16, and a label map.
        var g = Axial(8, 8, 4, 1, 1, 1);
        var stored = Volume.FromVoxels<ushort>(g, Enumerable.Range(0, 256).Select(n => (ushort)(n % 3 == 0 ? 0 : 1024 + 40)).ToArray());
        var e = Assert.Throws<ArgumentException>(() => StudyInputCheck.CheckedPhases(new Dictionary<string, Volume> { ["P"] = stored }, ModelSpacing));
        Assert.StartsWith("phase P: its lowest voxel is 0, but a CT in Hounsfield units", e.Message);
        Assert.Contains("RescaleSlope and RescaleIntercept", e.Message);
        var storedInt16 = Volume.FromVoxels<short>(g, Enumerable.Range(0, 256).Select(n => (short)(n % 3 == 0 ? 24 : 1064)).ToArray());
        Assert.Throws<ArgumentException>(() => StudyInputCheck.CheckedPhases(new Dictionary<string, Volume> { ["N"] = storedInt16 }, ModelSpacing));
        var labels = Volume.FromVoxels<byte>(g, Enumerable.Range(0, 256).Select(n => (byte)(n % 4)).ToArray());
        Assert.Throws<ArgumentException>(() => StudyInputCheck.CheckedPhases(new Dictionary<string, Volume> { ["N"] = labels }, ModelSpacing));

        // Fat alone is enough (a crop around a kidney need not reach air); so is the same volume with the rescale done.
        var fat = Volume.FromVoxels<short>(g, Enumerable.Range(0, 256).Select(n => (short)(n % 3 == 0 ? -95 : 40)).ToArray());
        var rescaled = Volume.FromVoxels<float>(g, stored.Voxels<ushort>().ToArray().Select(v => v - 1024f).ToArray());
        Assert.Equal(["N", "P"], StudyInputCheck.CheckedPhases(new Dictionary<string, Volume> { ["N"] = fat, ["P"] = rescaled }, ModelSpacing));
    }
}
