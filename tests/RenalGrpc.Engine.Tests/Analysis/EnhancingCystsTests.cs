using RenalGrpc.Engine.Analysis;
using RenalGrpc.Imaging;
using RenalGrpc.Imaging.Components;

namespace RenalGrpc.Engine.Tests.Analysis;

/// <summary>
/// <see cref="EnhancingCysts"/>: a stage-1 cyst whose median HU rises from N to A or P by the threshold
/// becomes tumor; water that stays water, a rise only in D (excreted contrast), a rise under the threshold
/// and a component under the minimum volume stay cysts.
/// </summary>
public sealed class EnhancingCystsTests
{
    // 2.5 x 2.5 x 5 mm voxels: 0.03125 ml each; the 4 x 4 x 3 lesions are 1.5 ml.
    private static readonly Geometry Grid = Geometry.Axial(new GridSize(40, 40, 12), new Vec3(2.5, 2.5, 5.0), new Vec3(-50, -50, -30));
    private static readonly VoxelBounds Whole = new(0, 0, 0, 40, 40, 12);
    private static readonly VoxelBounds Enhancing = new(4, 4, 2, 8, 8, 5);
    private static readonly VoxelBounds Water = new(14, 4, 2, 18, 8, 5);
    private static readonly VoxelBounds PelvisInD = new(24, 4, 2, 28, 8, 5);
    private static readonly VoxelBounds Faint = new(4, 20, 2, 8, 24, 5);
    private static readonly VoxelBounds Tiny = new(20, 20, 2, 21, 21, 3);

    private static void Fill(Span<byte> voxels, VoxelBounds box, byte value)
    {
        for (int k = box.K0; k < box.K1; k++)
            for (int j = box.J0; j < box.J1; j++)
                for (int i = box.I0; i < box.I1; i++)
                    voxels[(int)Grid.Size.Index(i, j, k)] = value;
    }

    private static void Fill(Span<float> voxels, VoxelBounds box, float value)
    {
        for (int k = box.K0; k < box.K1; k++)
            for (int j = box.J0; j < box.J1; j++)
                for (int i = box.I0; i < box.I1; i++)
                    voxels[(int)Grid.Size.Index(i, j, k)] = value;
    }

    private static Volume Labels()
    {
        var labels = Volume.Create(Grid, VoxelType.UInt8);
        foreach (var box in new[] { Enhancing, Water, PelvisInD, Faint, Tiny }) Fill(labels.Voxels<byte>(), box, 3);
        return labels;
    }

    /// <summary>Every lesion reads 10 HU in N; in the other phases what <paramref name="hu"/> says.</summary>
    private static Dictionary<string, Volume> Images(params string[] phases)
    {
        var rise = new Dictionary<string, (VoxelBounds Box, float Hu)[]>
        {
            ["A"] = [(Enhancing, 60), (Water, 12), (PelvisInD, 10), (Faint, 30), (Tiny, 90)],
            ["P"] = [(Enhancing, 45), (Water, 8), (PelvisInD, 15), (Faint, 35), (Tiny, 90)],
            ["D"] = [(Enhancing, 30), (Water, 10), (PelvisInD, 600), (Faint, 20), (Tiny, 90)],
        };
        var images = new Dictionary<string, Volume>();
        foreach (var phase in phases)
        {
            var image = Volume.FromVoxels<float>(Grid, Enumerable.Repeat(-100f, (int)Grid.VoxelCount).ToArray());
            var voxels = image.Voxels<float>();
            foreach (var box in new[] { Enhancing, Water, PelvisInD, Faint, Tiny }) Fill(voxels, box, 10);
            if (rise.TryGetValue(phase, out var values))
                foreach (var (box, hu) in values) Fill(voxels, box, hu);
            // One bright voxel in the water cyst: a median ignores it, a mean of 48 voxels would rise 10 HU.
            if (phase == "A") voxels[(int)Grid.Size.Index(Water.I0, Water.J0, Water.K0)] = 500;
            images[phase] = image;
        }
        return images;
    }

    private static byte At(Volume labels, VoxelBounds box) => labels.Voxels<byte>()[(int)Grid.Size.Index(box.I0, box.J0, box.K0)];

    [Fact]
    public void OnlyACystThatRisesFromNToAOrPByTheThresholdBecomesTumor()
    {
        var (after, retyped) = EnhancingCysts.Apply(Labels(), Whole, Images("N", "A", "P", "D"), minRiseHu: 30, minLesionMl: 0.3, Connectivity.Six);

        Assert.Equal(1, retyped);
        Assert.Equal(2, At(after, Enhancing)); // +50 HU in A
        Assert.Equal(3, At(after, Water));     // +2 HU (and one bright voxel)
        Assert.Equal(3, At(after, PelvisInD)); // +590 HU in D only: excreted contrast, not enhancement
        Assert.Equal(3, At(after, Faint));     // +25 HU: under the threshold
        Assert.Equal(3, At(after, Tiny));      // one voxel, 0.03 ml: under the minimum volume
        Assert.Equal(Enhancing.VoxelCount, Labels().Voxels<byte>().ToArray().Zip(after.Voxels<byte>().ToArray()).Count(p => p.First != p.Second));
    }

    [Fact]
    public void ALowerThresholdTakesTheFaintOneToo_AndWithoutNOrContrastNothingChanges()
    {
        var (lower, retyped) = EnhancingCysts.Apply(Labels(), Whole, Images("N", "A", "P", "D"), minRiseHu: 20, minLesionMl: 0.3, Connectivity.Six);
        Assert.Equal(2, retyped);
        Assert.Equal(2, At(lower, Faint));

        var labels = Labels();
        Assert.Same(labels, EnhancingCysts.Apply(labels, Whole, Images("A", "P", "D"), 30, 0.3, Connectivity.Six).Labels);
        Assert.Same(labels, EnhancingCysts.Apply(labels, Whole, Images("N", "D"), 30, 0.3, Connectivity.Six).Labels);
        // Outside the region nothing is judged.
        Assert.Same(labels, EnhancingCysts.Apply(labels, new VoxelBounds(10, 10, 0, 40, 40, 12), Images("N", "A", "P", "D"), 30, 0.3, Connectivity.Six).Labels);
    }

    [Fact]
    public void TheRiseMustBeZeroOrAPlausibleHuDifference()
    {
        Assert.Throws<ArgumentException>(() => (KidneyRoiRefinementTests.Options with { EnhancingCystRiseHu = -5 }).Validate());
        Assert.Throws<ArgumentException>(() => (KidneyRoiRefinementTests.Options with { EnhancingCystRiseHu = double.NaN }).Validate());
        (KidneyRoiRefinementTests.Options with { EnhancingCystRiseHu = 30 }).Validate();
    }
}
