using RenalGrpc.Imaging;

namespace RenalGrpc.Phantom.Tests;

/// <summary>Each phase is its own scan: own motion and z-range, ground truth following, realistic noise.</summary>
public sealed class AcquisitionTests
{
    [Fact]
    public void Kidney_centres_move_between_phases_within_breathing_bounds()
    {
        int moved = 0;
        for (int n = 0; n < 3; n++)
        {
            var spec = PhantomFixture.Spec(n, RenalSubtype.ChRcc);
            var scans = PhantomFixture.RenderAll(spec);
            var reference = PhantomFixture.LabelCentre(scans[0].Segmentation, KidneyLabels.Kidney);
            foreach (var scan in scans.Skip(1))
            {
                var shift = PhantomFixture.LabelCentre(scan.Segmentation, KidneyLabels.Kidney) - reference;
                // Two phases each up to 10 mm craniocaudal, 3 mm in-plane and 3 degrees about a point ~80 mm away.
                Assert.InRange(Math.Abs(shift.Z), 0, 24);
                Assert.InRange(Math.Sqrt(shift.X * shift.X + shift.Y * shift.Y), 0, 15);
                if (shift.Length > 1) moved++;
            }
        }
        Assert.True(moved >= 6, $"only {moved} of 9 phase pairs show kidney motion over 1 mm");
    }

    [Fact]
    public void Phases_have_their_own_z_ranges_and_one_scanner_spacing()
    {
        var spec = PhantomFixture.Spec(4, RenalSubtype.CcRcc);
        var origins = spec.Scans.Select(s => s.Grid.Origin.Z).Distinct().ToList();
        Assert.Equal(4, origins.Count);
        Assert.Single(spec.Scans.Select(s => s.Grid.Spacing).Distinct());
        Assert.True(spec.Scans[0].Grid.Spacing.Z > spec.Scans[0].Grid.Spacing.X, "slices are thicker than the in-plane spacing");
    }

    [Fact]
    public void Image_and_ground_truth_of_a_phase_share_one_grid()
    {
        var spec = PhantomFixture.Spec(2, RenalSubtype.Oncocytoma, cyst: true);
        foreach (var scan in PhantomFixture.RenderAll(spec))
        {
            Assert.True(scan.Image.Geometry.IsSameGrid(scan.Segmentation.Geometry, 0, 0));
            Assert.Equal(VoxelType.Int16, scan.Image.VoxelType);
            Assert.Equal(VoxelType.UInt8, scan.Segmentation.VoxelType);
            Assert.All(scan.Segmentation.Voxels<byte>().ToArray().Distinct(), v => Assert.InRange(v, 0, 3));
        }
    }

    [Fact]
    public void Noise_is_within_8_to_20_HU_and_spatially_correlated()
    {
        var spec = PhantomFixture.Spec(5, RenalSubtype.PRcc);
        foreach (var (scanSpec, scan) in spec.Scans.Zip(PhantomFixture.RenderAll(spec)))
        {
            var image = scan.Image.Voxels<short>();
            // Interior fat is flat -100 HU: what varies there is noise.
            var interiorIndices = new HashSet<long>();
            var interior = PhantomFixture.InteriorValues(scan, Tissue.Fat, at => interiorIndices.Add(at));
            double mean = PhantomFixture.Mean(interior);
            double sd = Math.Sqrt(interior.Average(v => (v - mean) * (v - mean)));
            Assert.InRange(sd, 7, 21);
            Assert.InRange(Math.Abs(sd - scanSpec.NoiseSd), 0, 2.5);
            // Neighbours along i correlate (white noise would give ~0).
            double covariance = 0;
            int count = 0;
            foreach (long n in interiorIndices)
            {
                if (!interiorIndices.Contains(n + 1)) continue;
                covariance += (image[(int)n] - mean) * (image[(int)n + 1] - mean);
                count++;
            }
            double correlation = covariance / count / (sd * sd);
            Assert.InRange(correlation, 0.3, 0.95);
        }
    }

    [Fact]
    public void Rendering_is_the_same_in_parallel_and_sequentially()
    {
        var spec = PhantomFixture.Spec(1, RenalSubtype.CcRcc, cyst: true);
        var parallel = PhaseRenderer.Render(spec, spec.Scans[1]);
        var sequential = PhaseRenderer.Render(spec, spec.Scans[1], maxParallelism: 1);
        Assert.Equal(parallel.Image.Buffer, sequential.Image.Buffer);
        Assert.Equal(parallel.Segmentation.Buffer, sequential.Segmentation.Buffer);
    }

    [Fact]
    public void Class_balance_follows_the_paper_or_uniform_mix_by_largest_remainder()
    {
        Assert.Equal([12, 11, 10, 8, 9], ClassBalance.Counts(50, ClassBalanceMode.Paper));
        Assert.Equal([24, 22, 20, 16, 18], ClassBalance.Counts(100, ClassBalanceMode.Paper));
        Assert.Equal([2, 2, 1, 1, 1], ClassBalance.Counts(7, ClassBalanceMode.Uniform));
        Assert.Equal(13, ClassBalance.Counts(13, ClassBalanceMode.Paper).Sum());
        var assigned = ClassBalance.Assign(new PhantomOptions { Cases = 40, Seed = 3, NormalFraction = 0.25, CystFraction = 0.5, Balance = ClassBalanceMode.Uniform });
        Assert.Equal(10, assigned.Count(a => a.Subtype is null));
        Assert.All(RenalSubtypes.All, s => Assert.Equal(6, assigned.Count(a => a.Subtype == s)));
        Assert.Equal(15, assigned.Count(a => a.HasCyst));
        Assert.DoesNotContain(assigned, a => a.Subtype is null && a.HasCyst);
    }

    [Fact]
    public void Normal_studies_have_no_lesion_and_tumor_wins_over_cyst()
    {
        var normal = PhantomFixture.Spec(0, null);
        Assert.Empty(normal.Lesions);
        var scan = PhaseRenderer.Render(normal, normal.Scans[0]);
        Assert.DoesNotContain(scan.Segmentation.Voxels<byte>().ToArray(), v => v >= 2);
        // A cyst forced onto the tumor: every shared voxel is tumor.
        var spec = PhantomFixture.Spec(3, RenalSubtype.CcRcc, cyst: true);
        var tumor = spec.Lesions.First(l => !l.IsCyst);
        var overlapping = spec with { Lesions = [spec.Lesions[0] with { Centre = tumor.Centre, Radius = tumor.Radius * 1.3 }, tumor] };
        var rendered = PhaseRenderer.Render(overlapping, overlapping.Scans[0]);
        var labels = rendered.Segmentation.Voxels<byte>();
        int tumorVoxels = labels.ToArray().Count(v => v == 2);
        Assert.True(tumorVoxels > 10);
        Assert.Contains(labels.ToArray(), v => v == 3);
    }
}
