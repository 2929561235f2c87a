namespace RenalGrpc.Phantom.Tests;

/// <summary>Lesion enhancement, spread and morphology follow DATASET.md.</summary>
public sealed class LesionPhysicsTests
{
    public static TheoryData<RenalSubtype> Subtypes => new(RenalSubtypes.All);

    [Theory]
    [MemberData(nameof(Subtypes))]
    public void Drawn_enhancement_centres_on_the_table_with_the_literature_spread(RenalSubtype subtype)
    {
        var tumors = Enumerable.Range(0, 400).Select(n => PhantomFixture.Spec(n, subtype).Lesions.First(l => !l.IsCyst)).ToList();
        for (int p = 0; p < 4; p++)
        {
            var values = tumors.Select(t => t.PhaseHu[p]).ToList();
            double mean = values.Average();
            double sd = Math.Sqrt(values.Sum(v => (v - mean) * (v - mean)) / (values.Count - 1));
            // AML mixes its fat-rich and lipid-poor rows; their means differ by at most 10 HU.
            double expected = subtype == RenalSubtype.Aml
                ? (RenalSubtypes.SolidMeans(subtype, true)[p] + RenalSubtypes.SolidMeans(subtype, false)[p]) / 2
                : RenalSubtypes.SolidMeans(subtype)[p];
            Assert.True(Math.Abs(mean - expected) < 7, $"{subtype} phase {p}: mean {mean:F1}, table {expected}");
            double enhancement = expected - RenalSubtypes.SolidMeans(subtype, true)[0];
            double expectedSd = p == 0 ? LesionDrawer.UnenhancedSd
                : Math.Sqrt(Math.Pow(Math.Max(15, 0.3 * enhancement), 2) + Math.Pow(LesionDrawer.UnenhancedSd, 2));
            Assert.True(sd > 0.8 * expectedSd && sd < 1.25 * expectedSd + 5, $"{subtype} phase {p}: sd {sd:F1}, expected about {expectedSd:F1}");
        }
    }

    [Theory]
    [MemberData(nameof(Subtypes))]
    public void Rendered_solid_tumor_tissue_has_the_drawn_HU(RenalSubtype subtype)
    {
        // Larger lesions so that the 3x3x3 interior exists at 5 mm slices.
        var specs = Enumerable.Range(0, 300).Select(n => PhantomFixture.Spec(n, subtype))
            .Where(s => s.Lesions.Count(l => !l.IsCyst) == 1 && s.Lesions.First(l => !l.IsCyst).Radius > 18)
            .Where(s => !s.Lesions[^1].Features.EnhancementInversion)
            .Take(3).ToList();
        Assert.Equal(3, specs.Count);
        int measured = 0;
        foreach (var spec in specs)
        {
            var tumor = spec.Lesions[^1];
            foreach (var scan in PhantomFixture.RenderAll(spec))
            {
                var values = PhantomFixture.InteriorValues(scan, Tissue.LesionSolid);
                // Correlated noise needs many voxels for a stable mean.
                if (values.Count < 80) continue;
                double mean = PhantomFixture.Mean(values);
                double drawn = tumor.PhaseHu[(int)scan.Phase];
                double tolerance = 10 + 0.15 * Math.Abs(drawn - tumor.PhaseHu[0]);
                Assert.True(Math.Abs(mean - drawn) < tolerance, $"{spec.CaseId} {subtype} {scan.Phase}: solid mean {mean:F1}, drawn {drawn:F1}");
                measured++;
            }
        }
        Assert.True(measured >= 4, $"only {measured} phase scans had enough solid interior voxels");
    }

    [Fact]
    public void Fat_rich_AML_has_fat_below_minus_30_HU_in_every_phase()
    {
        var spec = PhantomFixture.FindSpec(RenalSubtype.Aml, s => s.Lesions[^1].Features.MacroscopicFat && s.Lesions[^1].Radius > 12);
        foreach (var scan in PhantomFixture.RenderAll(spec))
        {
            var image = scan.Image.Voxels<short>();
            var labels = scan.Segmentation.Voxels<byte>();
            int fatty = 0;
            for (int n = 0; n < image.Length; n++) if (labels[n] == 2 && image[n] < -30) fatty++;
            Assert.True(fatty >= 5, $"{spec.CaseId} {scan.Phase}: {fatty} tumor voxels below -30 HU");
        }
    }

    [Fact]
    public void Lipid_poor_AML_and_RCC_have_no_macroscopic_fat()
    {
        var spec = PhantomFixture.FindSpec(RenalSubtype.Aml, s => !s.Lesions[^1].Features.MacroscopicFat && s.Lesions[^1].Radius > 12);
        foreach (var scan in PhantomFixture.RenderAll(spec))
            Assert.Empty(PhantomFixture.InteriorValues(scan, Tissue.LesionFat));
    }

    [Fact]
    public void Cysts_do_not_enhance_and_hold_water_density()
    {
        var spec = PhantomFixture.FindSpec(RenalSubtype.PRcc, s => s.Lesions[0].IsCyst && s.Lesions[0].Radius > 14, cyst: true);
        var means = PhantomFixture.RenderAll(spec).Select(scan => PhantomFixture.Mean(PhantomFixture.InteriorValues(scan, Tissue.Cyst))).ToList();
        Assert.All(means, m => Assert.InRange(m, -8, 28));
        Assert.True(means.Max() - means.Min() < 8, $"cyst means per phase {string.Join(", ", means.Select(m => m.ToString("F1")))}");
    }

    [Fact]
    public void Features_follow_the_subtype_frequencies()
    {
        double Share(RenalSubtype subtype, Func<LesionFeatures, bool> feature) =>
            Enumerable.Range(0, 300).Count(n => feature(PhantomFixture.Spec(n, subtype).Lesions[^1].Features)) / 300.0;
        Assert.InRange(Share(RenalSubtype.CcRcc, f => f.Necrosis), 0.65, 0.85);
        Assert.InRange(Share(RenalSubtype.Oncocytoma, f => f.CentralScar), 0.25, 0.42);
        Assert.InRange(Share(RenalSubtype.Oncocytoma, f => f.EnhancementInversion), 0.57, 0.76);
        Assert.InRange(Share(RenalSubtype.Aml, f => f.MacroscopicFat), 0.4, 0.6);
        Assert.InRange(Share(RenalSubtype.ChRcc, f => f.CentralScar), 0.1, 0.3);
        Assert.Equal(0, Share(RenalSubtype.PRcc, f => f.Necrosis || f.CentralScar || f.MacroscopicFat || f.EnhancementInversion));
    }

    [Fact]
    public void Lesions_span_one_to_eight_centimetres()
    {
        var radii = Enumerable.Range(0, 400).Select(n => PhantomFixture.Spec(n, RenalSubtype.CcRcc).Lesions[^1].Radius).ToList();
        Assert.All(radii, r => Assert.InRange(r, 5, 40));
        Assert.True(radii.Min() < 7 && radii.Max() > 32);
    }
}
