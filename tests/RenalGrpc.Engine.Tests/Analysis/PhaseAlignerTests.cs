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
