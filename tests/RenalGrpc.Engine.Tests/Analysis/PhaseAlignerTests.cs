using RenalGrpc.Engine.Analysis;
using RenalGrpc.Imaging;

namespace RenalGrpc.Engine.Tests.Analysis;

public sealed class PhaseAlignerTests
{
    private static readonly Geometry Grid = Geometry.Axial(new GridSize(40, 40, 20), new Vec3(2, 2, 4), new Vec3(0, 0, 0));

    [Fact]
    public void WithoutKidneysThePhaseIsTakenAsIsAndTheRecordSaysWhy()
    {
        var aligner = new PhaseAligner(new Vec3(2.5, 2.5, 5), new AlignmentOptions());
        var empty = Volume.Create(Grid, VoxelType.UInt8);
        var alignment = aligner.Align("A", empty, empty, CancellationToken.None);
        Assert.Equal("A", alignment.Phase);
        Assert.NotNull(alignment.Note);
        Assert.True(double.IsNaN(alignment.FinalDice));
        Assert.Equal(LpsAffine.Identity, alignment.ReferenceToPhaseLps);
    }

    /// <summary>A kidney block of label 1 at voxels i0..i0+9, j 10..19, k 6..11 of <see cref="Grid"/>.</summary>
    private static Volume KidneyAt(int i0)
    {
        var labels = Volume.Create(Grid, VoxelType.UInt8);
        for (int k = 6; k < 12; k++)
            for (int j = 10; j < 20; j++)
                for (int i = i0; i < i0 + 10; i++) labels.Buffer[Grid.Size.Index(i, j, k)] = 1;
        return labels;
    }

    [Fact]
    public void AKidneyMovedIsAlignedAndItsOverlapAfterwardsIsReported()
    {
        // The phase's kidney sits 6 mm (3 voxels) to the side of the reference's: before alignment the
        // blocks overlap 7 of 10 columns (Dice 0.7); the registration brings them together.
        var aligner = new PhaseAligner(new Vec3(2.5, 2.5, 5), new AlignmentOptions());
        var alignment = aligner.Align("A", KidneyAt(13), KidneyAt(10), CancellationToken.None);

        Assert.Null(alignment.Note);
        Assert.True(alignment.KidneyDice > 0.9, $"kidney Dice after alignment {alignment.KidneyDice:F3}");
        Assert.Empty(PhaseConsistencyCheck.AlignmentWarnings([alignment]));
        Assert.True(double.IsNaN(aligner.Align("A", Volume.Create(Grid, VoxelType.UInt8), KidneyAt(10), CancellationToken.None).KidneyDice));
    }

    [Fact]
    public void TheRegistrationGridIsTheReferenceKidneyRegionPlusTheMarginAtTheModelSpacing()
    {
        var aligner = new PhaseAligner(new Vec3(2.5, 2.5, 5), new AlignmentOptions { MarginMm = 10, MinimumGridSpacingMm = 0 });
        var labels = Volume.Create(Grid, VoxelType.UInt8);
        // Kidney voxels i 10..19, j 5..14, k 4..7: 18 x 18 x 12 mm between centres.
        for (int k = 4; k <= 7; k++)
            for (int j = 5; j <= 14; j++)
                for (int i = 10; i <= 19; i++) labels.Buffer[Grid.Size.Index(i, j, k)] = 1;
        var common = aligner.CommonGrid(labels)!;
        Assert.Equal(new Vec3(2.5, 2.5, 5), common.Spacing);
        Assert.Equal(Grid.IndexToPhysical(10, 5, 4) - new Vec3(10, 10, 10), common.Origin);
        Assert.Equal(new GridSize(17, 17, 8), common.Size); // ceil(38 / 2.5) + 1, ceil(32 / 5) + 1

        // By default the grid is no finer than 4 mm: same box, fewer voxels.
        var coarse = new PhaseAligner(new Vec3(2.5, 2.5, 5), new AlignmentOptions { MarginMm = 10 }).CommonGrid(labels)!;
        Assert.Equal(new Vec3(4, 4, 5), coarse.Spacing);
        Assert.Equal(common.Origin, coarse.Origin);
        Assert.Equal(new GridSize(11, 11, 8), coarse.Size); // ceil(38 / 4) + 1
    }
}
