using RenalGrpc.Imaging;

namespace RenalGrpc.Preview.Tests;

public sealed class SliceSelectionTests
{
    [Fact]
    public void LesionsAreFoundWithTheirCentroids()
    {
        var lesions = SliceSelection.FindLesions(SyntheticStudy.Sample(SyntheticStudy.GridN).Labels);
        Assert.Equal(2, lesions.Count);
        var tumour = lesions.MaxBy(l => l.VoxelCount)!;
        Assert.True((tumour.Centroid - SyntheticStudy.TumourCentre).Length < 0.01, $"tumour centroid {tumour.Centroid}");
        var cyst = lesions.MinBy(l => l.VoxelCount)!;
        Assert.True((cyst.Centroid - SyntheticStudy.CystCentre).Length < 0.01, $"cyst centroid {cyst.Centroid}");
    }

    [Fact]
    public void EachPhaseShowsTheLargestLesionOnItsOwnGrid()
    {
        var phases = new[] { SyntheticStudy.Phase("N", SyntheticStudy.GridN, true), SyntheticStudy.Phase("A", SyntheticStudy.GridA, true) };
        Assert.Equal([12, 20], SliceSelection.Choose(phases));
    }

    [Fact]
    public void UnlabelledPhaseShowsTheSliceNearestToTheLabelledLesion()
    {
        // Only A has labels; N must still go through the tumour's physical position (z = 36 mm -> k = 12).
        var phases = new[] { SyntheticStudy.Phase("N", SyntheticStudy.GridN, false), SyntheticStudy.Phase("A", SyntheticStudy.GridA, true) };
        Assert.Equal([12, 20], SliceSelection.Choose(phases));
    }

    [Fact]
    public void WithoutLabelsTheFirstVolumeCentreIsShown()
    {
        var phases = new[] { SyntheticStudy.Phase("N", SyntheticStudy.GridN, false), SyntheticStudy.Phase("A", SyntheticStudy.GridA, false) };
        // N centre z = 11.5 * 3 = 34.5 mm: N k = 11.5 rounds away from zero to 12; A k = (34.5 + 4) / 2 = 19.25 -> 19.
        Assert.Equal([12, 19], SliceSelection.Choose(phases));
    }

    [Fact]
    public void TheLargerLesionWinsOverASmallerOne()
    {
        // Make the cyst the larger lesion by shrinking the tumour to 3 x 3 voxels: the focus moves to the cyst's slice (z 24 -> k 8).
        var (image, labels) = SyntheticStudy.Sample(SyntheticStudy.GridN);
        var voxels = labels.Voxels<byte>();
        var size = labels.Size;
        for (int n = 0; n < voxels.Length; n++)
        {
            int i = n % size.I, j = n / size.I % size.J, k = n / (size.I * size.J);
            bool keep = k == 12 && Math.Abs(i - 36) <= 1 && Math.Abs(j - 24) <= 1;
            if (voxels[n] == 2 && !keep) voxels[n] = 1;
        }
        var onlyN = new[] { new PhaseView("N", image, labels) };
        Assert.Equal([8], SliceSelection.Choose(onlyN));
    }

    [Fact]
    public void NearestSliceIsClampedToTheVolume()
    {
        var grid = SyntheticStudy.GridN;
        Assert.Equal(0, SliceSelection.NearestSlice(grid, new Vec3(0, 0, -500)));
        Assert.Equal(23, SliceSelection.NearestSlice(grid, new Vec3(0, 0, 500)));
        Assert.Equal(5, SliceSelection.NearestSlice(grid, new Vec3(10, 10, 15.4)));
    }

    [Fact]
    public void LabelsOnAnotherGridAreRefused()
    {
        var image = SyntheticStudy.Sample(SyntheticStudy.GridN).Image;
        var labels = SyntheticStudy.Sample(SyntheticStudy.GridA).Labels;
        var ex = Assert.Throws<ImagingException>(() => StudyPreviewRenderer.Render([new PhaseView("N", image, labels)]));
        Assert.Contains("phase N", ex.Message);
    }
}
