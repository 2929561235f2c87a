using RenalGrpc.Engine.Analysis;
using RenalGrpc.Engine.Model;
using RenalGrpc.Engine.Preprocessing;
using RenalGrpc.Imaging;
using RenalGrpc.Imaging.Components;

namespace RenalGrpc.Engine.Tests.Analysis;

/// <summary>
/// <see cref="RoiRefinementOptions.MinKidneyShare"/>: the ROI stage may claim stage-1 background for
/// a lesion (an exophytic part stage 1 left out), but only as part of a component anchored on kidney.
/// The network answers "tumor" on every voxel of its box, so the box is the proposal.
/// </summary>
public sealed class KidneyRoiBackgroundClaimTests
{
    private static readonly Vec3 ModelSpacing = new(2.5, 2.5, 5.0);
    private static readonly Geometry Reference = Geometry.Axial(new GridSize(48, 48, 20), ModelSpacing, new Vec3(-60, -60, -50));

    // A kidney of 9 x 9 x 5 voxels (12.7 ml) and a tumor next to it; the 16 x 16 x 8 box around
    // the kidney reaches background on every side.
    private static readonly VoxelBounds KidneyBox = new(20, 20, 8, 29, 29, 13);
    private static readonly VoxelBounds TumorBox = new(29, 22, 9, 31, 25, 12);

    private static Volume Labels()
    {
        var labels = Volume.Create(Reference, VoxelType.UInt8);
        var voxels = labels.Voxels<byte>();
        foreach (var (box, value) in new[] { (KidneyBox, (byte)1), (TumorBox, (byte)2) })
            for (int k = box.K0; k < box.K1; k++)
                for (int j = box.J0; j < box.J1; j++)
                    for (int i = box.I0; i < box.I1; i++)
                        voxels[(int)Reference.Size.Index(i, j, k)] = value;
        return labels;
    }

    private static (byte[] Before, byte[] After, RefinementRecord Record) Run(double minKidneyShare, bool growTumors = false)
    {
        using var net = KidneyRoiRefinementTests.ConstantNetwork(label: 2);
        var labels = Labels();
        var study = new AlignedStudy("P", Reference, new[] { "N", "A", "P", "D" }.ToDictionary(p => p,
            p => Volume.FromVoxels<float>(Reference, new float[Reference.VoxelCount])), Array.Empty<PhaseAlignment>());
        var options = KidneyRoiRefinementTests.Options with { MinKidneyShare = minKidneyShare, MinKidneyMl = 5, GrowStageOneTumors = growTumors };
        var (after, record) = KidneyRoiRefinement.Apply(net, options, IntensityNormalization.Paper, ModelSpacing, study, labels,
            Connectivity.Six, CancellationToken.None);
        return (labels.Voxels<byte>().ToArray(), after.Voxels<byte>().ToArray(), record);
    }

    private static (long KidneyToTumor, long BackgroundToTumor, long Other) Changes(byte[] before, byte[] after)
    {
        long kidney = 0, background = 0, other = 0;
        for (int n = 0; n < before.Length; n++)
        {
            if (before[n] == after[n]) continue;
            if (before[n] == 1 && after[n] == 2) kidney++;
            else if (before[n] == 0 && after[n] == 2) background++;
            else other++;
        }
        return (kidney, background, other);
    }

    [Fact]
    public void OffByDefault_OnlyKidneyVoxelsBecomeTumor()
    {
        var (before, after, record) = Run(minKidneyShare: 0);

        var (kidney, background, other) = Changes(before, after);
        Assert.Equal(9L * 9 * 5, kidney); // every kidney voxel: the box covers the kidney
        Assert.Equal(0, background);
        Assert.Equal(0, other);
        Assert.Equal(1, record.LesionsAdded);
    }

    [Fact]
    public void AComponentMostlyOnKidneyClaimsTheBackgroundAroundIt()
    {
        // The box is 17 x 17 x 9 reference voxels (its faces on voxel centres count as inside) with
        // the kidney's 405 inside: 0.10 of the component is kidney, the stage-1 tumor is left out.
        var (before, after, record) = Run(minKidneyShare: 0.05);

        var (kidney, background, other) = Changes(before, after);
        Assert.Equal(9L * 9 * 5, kidney);
        Assert.InRange(background, 16L * 16 * 8 - 405 - 18, 17L * 17 * 9 - 405);
        Assert.Equal(0, other); // stage 1's tumor voxels stay tumor, nothing else changes
        Assert.Equal((1, 0), (record.LesionsAdded, record.ProposalsDropped));
        Assert.Equal(record.VoxelsRelabelled, kidney + background);
    }

    [Fact]
    public void AComponentMostlyOnBackgroundIsDroppedWhole()
    {
        var (before, after, record) = Run(minKidneyShare: 0.3);

        Assert.Equal(before, after);
        Assert.Equal((0, 1), (record.LesionsAdded, record.ProposalsDropped));
    }

    [Fact]
    public void GrowingStageOneTumors_CountsTheirVoxelsAsAnchorAndTheLesionAsGrownNotAdded()
    {
        var (before, plain, plainRecord) = Run(minKidneyShare: 0.05);
        var (_, grown, grownRecord) = Run(minKidneyShare: 0.05, growTumors: true);
        Assert.Equal(plain, grown); // the same voxels become tumor; stage 1's tumor stays tumor
        Assert.Equal((1, 0), (plainRecord.LesionsAdded, plainRecord.ProposalsDropped));
        Assert.Equal((0, 0), (grownRecord.LesionsAdded, grownRecord.ProposalsDropped)); // it holds stage 1's tumor: grown, not added
        Assert.Equal(plainRecord.VoxelsRelabelled, grownRecord.VoxelsRelabelled);

        // A share the kidney alone (405 voxels) misses and kidney + stage-1 tumor (405 + 18) reaches.
        const long tumorVoxels = 2 * 3 * 3;
        long component = plainRecord.VoxelsRelabelled + tumorVoxels;
        double share = (405 + tumorVoxels / 2.0) / component;
        var (_, off, offRecord) = Run(share);
        var (_, on, onRecord) = Run(share, growTumors: true);
        Assert.Equal(before, off);
        Assert.Equal((0, 1), (offRecord.LesionsAdded, offRecord.ProposalsDropped));
        Assert.Equal(plain, on);
        Assert.Equal(0, onRecord.ProposalsDropped);
    }

    [Fact]
    public void TheShareMustBeAFraction()
    {
        Assert.Throws<ArgumentException>(() => (KidneyRoiRefinementTests.Options with { MinKidneyShare = 1.5 }).Validate());
        Assert.Throws<ArgumentException>(() => (KidneyRoiRefinementTests.Options with { MinKidneyShare = double.NaN }).Validate());
    }
}
