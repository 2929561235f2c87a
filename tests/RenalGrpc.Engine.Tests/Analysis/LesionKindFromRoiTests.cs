using RenalGrpc.Engine.Analysis;
using RenalGrpc.Engine.Model;
using RenalGrpc.Engine.Preprocessing;
using RenalGrpc.Imaging;
using RenalGrpc.Imaging.Components;

namespace RenalGrpc.Engine.Tests.Analysis;

/// <summary>
/// <see cref="RoiRefinementOptions.LesionKindFromRoi"/>: the kidney-ROI network, which reads all phases,
/// decides whether a stage-1 lesion is a tumor or a cyst. The network answers one class everywhere.
/// </summary>
public sealed class LesionKindFromRoiTests
{
    private static readonly Vec3 ModelSpacing = new(2.5, 2.5, 5.0);
    private static readonly Geometry Reference = Geometry.Axial(new GridSize(64, 64, 24), ModelSpacing, new Vec3(-80, -60, -40));

    // The kidney's 8 x 16 x 16 box covers reference voxels i 12..28, j 24..40, k 7..15 (KidneyRoiRefinementTests).
    private static readonly VoxelBounds KidneyBox = new(10, 20, 3, 31, 45, 20);
    private static readonly VoxelBounds Inside = new(18, 30, 9, 22, 34, 13);
    private static readonly VoxelBounds AcrossTheBoxFace = new(26, 30, 9, 31, 34, 13);

    private static Volume Labels(params (VoxelBounds Box, byte Value)[] lesions)
    {
        var labels = Volume.Create(Reference, VoxelType.UInt8);
        var voxels = labels.Voxels<byte>();
        foreach (var (box, value) in lesions.Prepend((KidneyBox, (byte)1)))
            for (int k = box.K0; k < box.K1; k++)
                for (int j = box.J0; j < box.J1; j++)
                    for (int i = box.I0; i < box.I1; i++)
                        voxels[(int)Reference.Size.Index(i, j, k)] = value;
        return labels;
    }

    private static (Volume Labels, RefinementRecord Record) Run(int answer, Volume labels, bool lesionKind)
    {
        using var net = KidneyRoiRefinementTests.ConstantNetwork(label: answer);
        var study = new AlignedStudy("P", Reference, new[] { "N", "A", "P", "D" }.ToDictionary(p => p,
            p => Volume.FromVoxels<float>(Reference, new float[Reference.VoxelCount])), Array.Empty<PhaseAlignment>());
        var options = KidneyRoiRefinementTests.Options with { LesionKindFromRoi = lesionKind };
        return KidneyRoiRefinement.Apply(net, options, IntensityNormalization.Paper, ModelSpacing, study, labels, Connectivity.Six, CancellationToken.None);
    }

    private static IEnumerable<byte> In(Volume labels, VoxelBounds box)
    {
        var voxels = labels.Voxels<byte>().ToArray();
        for (int k = box.K0; k < box.K1; k++)
            for (int j = box.J0; j < box.J1; j++)
                for (int i = box.I0; i < box.I1; i++)
                    yield return voxels[(int)Reference.Size.Index(i, j, k)];
    }

    [Fact]
    public void ACystTheNetworkCallsTumorBecomesTumor_UnlessABoxFaceCutsIt()
    {
        var before = Labels((Inside, 3), (AcrossTheBoxFace, 3));

        var (after, record) = Run(answer: 2, before, lesionKind: true);

        Assert.All(In(after, Inside), v => Assert.Equal(2, v));
        // Only part of this one lies in the box: the network has not seen all of it, so it is left a cyst.
        Assert.All(In(after, AcrossTheBoxFace), v => Assert.Equal(3, v));
        Assert.Equal(1, record.LesionsRetyped);
        Assert.Equal(1, record.LesionsAdded);

        var (off, offRecord) = Run(answer: 2, before, lesionKind: false);
        Assert.All(In(off, Inside), v => Assert.Equal(3, v));
        Assert.Equal(0, offRecord.LesionsRetyped);
    }

    [Fact]
    public void ATumorTheNetworkCallsCystBecomesCyst_AndKidneyStaysKidney()
    {
        var before = Labels((Inside, 2));

        var (after, record) = Run(answer: 3, before, lesionKind: true);

        Assert.All(In(after, Inside), v => Assert.Equal(3, v));
        var a = after.Voxels<byte>().ToArray();
        var b = before.Voxels<byte>().ToArray();
        Assert.Equal(Inside.VoxelCount, Enumerable.Range(0, a.Length).Count(n => a[n] != b[n]));
        Assert.Equal((0, 0L, 1), (record.LesionsAdded, record.VoxelsRelabelled, record.LesionsRetyped));

        var (off, _) = Run(answer: 3, before, lesionKind: false);
        Assert.Same(before, off);
    }

    [Fact]
    public void KidneyAnswersLeaveEveryLesionAsStageOneDrewIt()
    {
        var before = Labels((Inside, 2), (AcrossTheBoxFace, 3));

        var (after, record) = Run(answer: 1, before, lesionKind: true);

        Assert.Same(before, after);
        Assert.Equal(0, record.LesionsRetyped);
    }
}
