namespace RenalGrpc.Phantom.Tests;

/// <summary>The rendered images carry DATASET.md's HU per tissue and phase.</summary>
public sealed class TissuePhysicsTests
{
    private static readonly Lazy<(CaseSpec Spec, PhaseScan[] Scans)[]> Cases = new(() =>
        Enumerable.Range(0, 3).Select(n =>
        {
            var spec = PhantomFixture.Spec(n, RenalSubtype.PRcc);
            return (spec, PhantomFixture.RenderAll(spec));
        }).ToArray());

    public static TheoryData<Tissue> FixedTissues => new()
    {
        Tissue.Fat, Tissue.Muscle, Tissue.TrabecularBone, Tissue.Liver, Tissue.Spleen, Tissue.Aorta, Tissue.Ivc,
        Tissue.RenalCortex, Tissue.RenalMedulla, Tissue.Air,
    };

    [Theory]
    [MemberData(nameof(FixedTissues))]
    public void Interior_mean_of_each_tissue_matches_the_table_in_every_phase(Tissue tissue)
    {
        foreach (var phase in ContrastPhases.All)
        {
            var values = Cases.Value.SelectMany(c => PhantomFixture.InteriorValues(c.Scans[(int)phase], tissue)).ToList();
            Assert.True(values.Count > 30, $"{tissue} in {phase}: only {values.Count} interior voxels");
            double mean = PhantomFixture.Mean(values);
            // Noise sd <= 20 HU averages out over hundreds of voxels; spleen mottling is zero-mean.
            double tolerance = tissue == Tissue.Air ? 30 : 8;
            Assert.True(Math.Abs(mean - TissueTable.Mean(tissue, phase)) < tolerance,
                $"{tissue} in {phase}: mean {mean:F1} HU, table {TissueTable.Mean(tissue, phase)}");
        }
    }

    [Fact]
    public void Cortex_and_medulla_differ_strongly_in_A_and_little_in_P()
    {
        double Difference(ContrastPhase phase) =>
            PhantomFixture.Mean(Cases.Value.SelectMany(c => PhantomFixture.InteriorValues(c.Scans[(int)phase], Tissue.RenalCortex)).ToList())
            - PhantomFixture.Mean(Cases.Value.SelectMany(c => PhantomFixture.InteriorValues(c.Scans[(int)phase], Tissue.RenalMedulla)).ToList());
        Assert.InRange(Difference(ContrastPhase.A), 70, 130);
        Assert.InRange(Math.Abs(Difference(ContrastPhase.P)), 0, 20);
    }

    [Fact]
    public void Collecting_system_is_bright_only_in_the_excretory_phase()
    {
        foreach (var (spec, scans) in Cases.Value)
        {
            foreach (var scan in scans)
            {
                // The thin calyces rarely have a full interior at 5 mm slices: take all collecting-system voxels away from fat.
                var values = PhantomFixture.InteriorValues(scan, Tissue.CollectingSystem);
                if (values.Count < 5) values = AllValues(scan, Tissue.CollectingSystem);
                double mean = PhantomFixture.Mean(values);
                if (scan.Phase == ContrastPhase.D)
                    Assert.True(mean > 250, $"{spec.CaseId} D: collecting system {mean:F0} HU (drawn {spec.Torso.CollectingSystemDelayedHu:F0})");
                else
                    Assert.True(mean < 60, $"{spec.CaseId} {scan.Phase}: collecting system {mean:F0} HU");
            }
        }
    }

    [Fact]
    public void Label_one_covers_cortex_medulla_sinus_and_intrarenal_collecting_system_only()
    {
        var scan = Cases.Value[0].Scans[0];
        var labels = scan.Segmentation.Voxels<byte>().ToArray();
        var renal = new[] { Tissue.RenalCortex, Tissue.RenalMedulla, Tissue.SinusFat, Tissue.CollectingSystem };
        for (int n = 0; n < labels.Length; n++)
        {
            var t = (Tissue)scan.TissueMap[n];
            if (labels[n] == 1) Assert.Contains(t, renal);
            if (t is Tissue.RenalCortex or Tissue.RenalMedulla or Tissue.SinusFat) Assert.Equal(1, labels[n]);
        }
        // The extrarenal pelvis is collecting system outside the capsule: background.
        Assert.Contains(Enumerable.Range(0, labels.Length), n => labels[n] == 0 && scan.TissueMap[n] == (byte)Tissue.CollectingSystem);
    }

    private static List<short> AllValues(PhaseScan scan, Tissue tissue)
    {
        var image = scan.Image.Voxels<short>();
        var list = new List<short>();
        for (int n = 0; n < image.Length; n++) if (scan.TissueMap[n] == (byte)tissue) list.Add(image[n]);
        return list;
    }
}
