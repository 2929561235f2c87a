using RenalGrpc.Imaging;

namespace RenalGrpc.Phantom;

/// <summary>One phase scan of a case: the CT image (int16 HU), its ground truth and the tissue at each voxel centre.</summary>
public sealed record PhaseScan(ContrastPhase Phase, Volume Image, Volume Segmentation, byte[] TissueMap);

/// <summary>
/// "Scans" the analytic patient in one phase: each voxel centre of the phase's grid is moved by
/// the phase's rigid patient motion into patient coordinates and evaluated there (so the ground
/// truth follows the motion), then partial volume and correlated noise are applied.
/// </summary>
public static class PhaseRenderer
{
    public static PhaseScan Render(CaseSpec spec, PhaseScanSpec scan, int maxParallelism = -1)
    {
        var grid = scan.Grid;
        var size = grid.Size;
        long count = size.VoxelCount;
        var hu = new float[count];
        var tissue = new byte[count];
        var labels = new byte[count];
        var painters = BuildPainters(spec, scan.Phase);

        var rotation = scan.Rotation;
        var toIndex = grid.IndexToPhysicalMatrix;
        // Patient point of index (i, j, k) = R * (origin + M * (i, j, k)) + t: affine in i along a row.
        var stepI = rotation * toIndex.Column(0);
        var parallel = new ParallelOptions { MaxDegreeOfParallelism = maxParallelism };
        Parallel.For(0, size.K, parallel, k =>
        {
            var ranges = new (int First, int Last)[painters.Length];
            for (int j = 0; j < size.J; j++)
            {
                var p0 = rotation * grid.IndexToPhysical(0, j, k) + scan.Translation;
                int offset = (int)size.Index(0, j, k);
                var row = new RowSamples(hu.AsSpan(offset, size.I), tissue.AsSpan(offset, size.I), labels.AsSpan(offset, size.I));
                for (int n = 0; n < painters.Length; n++)
                {
                    var (first, last) = painters[n].RowRange(p0, stepI, size.I);
                    for (int i = first; i <= last; i++) painters[n].Paint(p0 + stepI * i, i, ref row);
                }
            }
        });

        AcquisitionEffects.AddCorrelatedNoiseAndPartialVolume(hu, size, scan.NoiseSeed, scan.NoiseSd, maxParallelism);
        var image = Volume.Create(grid, VoxelType.Int16);
        AcquisitionEffects.ToInt16(hu, image.Voxels<short>());
        var segmentation = new Volume(grid, VoxelType.UInt8, labels);
        return new PhaseScan(scan.Phase, image, segmentation, tissue);
    }

    /// <summary>The patient's parts in painting order: later ones cover earlier ones; lesions last, cysts before tumors.</summary>
    private static RegionPainter[] BuildPainters(CaseSpec spec, ContrastPhase phase)
    {
        var t = spec.Torso;
        var values = new PhaseTissueValues(phase, t.CollectingSystemDelayedHu);
        double spleenMottle = phase == ContrastPhase.A ? 25 : 0;
        var s = t.SpineCentre;
        var r = t.VertebralRadius;
        var list = new List<RegionPainter>
        {
            new BodyPainter(t, values),
            new TubePainter(new Vec3(-r - 18, s.Y + r + 12, 0), 22, 18, Tissue.Muscle, values),
            new TubePainter(new Vec3(r + 18, s.Y + r + 12, 0), 22, 18, Tissue.Muscle, values),
            new TubePainter(new Vec3(-r - 12, s.Y - 4, 0), 13, 16, Tissue.Muscle, values),
            new TubePainter(new Vec3(r + 12, s.Y - 4, 0), 13, 16, Tissue.Muscle, values),
            new SpinePainter(s, r, values),
            new TubePainter(t.AortaCentre, t.AortaRadius, t.AortaRadius, Tissue.Aorta, values),
            new TubePainter(t.IvcCentre, t.IvcRadius * 1.2, t.IvcRadius * 0.8, Tissue.Ivc, values),
            new OrganPainter(t.LiverCentre, t.LiverSemiAxes, Tissue.Liver, values, 0),
            new OrganPainter(t.SpleenCentre, t.SpleenSemiAxes, Tissue.Spleen, values, spleenMottle),
        };
        for (int n = 0; n < t.BowelCentres.Length; n++) list.Add(new BowelPainter(t.BowelCentres[n], t.BowelRadii[n], values));
        foreach (var kidney in spec.Kidneys) list.Add(new KidneyPainter(kidney, values));
        foreach (var lesion in spec.Lesions.Where(l => l.IsCyst)) list.Add(new LesionPainter(lesion, phase));
        foreach (var lesion in spec.Lesions.Where(l => !l.IsCyst)) list.Add(new LesionPainter(lesion, phase));
        return list.ToArray();
    }
}
