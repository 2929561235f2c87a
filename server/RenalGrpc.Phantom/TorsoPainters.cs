using RenalGrpc.Imaging;

namespace RenalGrpc.Phantom;

/// <summary>Body outline: air outside, subcutaneous fat, abdominal muscle wall, visceral fat inside.</summary>
internal sealed class BodyPainter(TorsoSpec torso, PhaseTissueValues values) : RegionPainter
{
    private readonly double _fatA = torso.BodySemiX - torso.SubcutaneousFat, _fatB = torso.BodySemiY - torso.SubcutaneousFat;
    private readonly double _innerA = torso.BodySemiX - torso.SubcutaneousFat - torso.MuscleWall;
    private readonly double _innerB = torso.BodySemiY - torso.SubcutaneousFat - torso.MuscleWall;

    public override Vec3 BoundCentre => Vec3.Zero;
    public override double BoundRadius => double.PositiveInfinity;

    public override void Paint(Vec3 p, int i, ref RowSamples row)
    {
        Tissue t;
        if (Sq(p.X / torso.BodySemiX) + Sq(p.Y / torso.BodySemiY) > 1) t = Tissue.Air;
        else if (Sq(p.X / _fatA) + Sq(p.Y / _fatB) > 1) t = Tissue.Fat;
        else if (Sq(p.X / _innerA) + Sq(p.Y / _innerB) > 1) t = Tissue.Muscle;
        else t = Tissue.Fat;
        row.Set(i, t, values[t], KidneyLabels.Background);
    }
}

/// <summary>An elliptic cylinder along z of one tissue (muscles, aorta, IVC).</summary>
internal sealed class TubePainter(Vec3 centre, double semiX, double semiY, Tissue tissue, PhaseTissueValues values) : RegionPainter
{
    public override Vec3 BoundCentre => centre;
    public override double BoundRadius => Math.Max(semiX, semiY);
    public override bool RunsCraniocaudally => true;

    public override void Paint(Vec3 p, int i, ref RowSamples row)
    {
        if (Sq((p.X - centre.X) / semiX) + Sq((p.Y - centre.Y) / semiY) <= 1)
            row.Set(i, tissue, values[tissue], KidneyLabels.Background);
    }
}

/// <summary>Vertebral column as a cylinder: cortical shell around trabecular bone.</summary>
internal sealed class SpinePainter(Vec3 centre, double radius, PhaseTissueValues values) : RegionPainter
{
    private const double CorticalThickness = 2.5;

    public override Vec3 BoundCentre => centre;
    public override double BoundRadius => radius;
    public override bool RunsCraniocaudally => true;

    public override void Paint(Vec3 p, int i, ref RowSamples row)
    {
        double r2 = Sq(p.X - centre.X) + Sq(p.Y - centre.Y);
        if (r2 > radius * radius) return;
        var t = r2 > Sq(radius - CorticalThickness) ? Tissue.CorticalBone : Tissue.TrabecularBone;
        row.Set(i, t, values[t], KidneyLabels.Background);
    }
}

/// <summary>An axis-aligned ellipsoidal organ; spleen gets its arterial-phase mottling.</summary>
internal sealed class OrganPainter(Vec3 centre, Vec3 semi, Tissue tissue, PhaseTissueValues values, double mottle) : RegionPainter
{
    public override Vec3 BoundCentre => centre;
    public override double BoundRadius => Math.Max(semi.X, Math.Max(semi.Y, semi.Z));

    public override void Paint(Vec3 p, int i, ref RowSamples row)
    {
        var d = p - centre;
        if (Sq(d.X / semi.X) + Sq(d.Y / semi.Y) + Sq(d.Z / semi.Z) > 1) return;
        double hu = values[tissue] + (mottle == 0 ? 0 : mottle * SmoothPattern.At(p, 0.7, 1.6));
        row.Set(i, tissue, hu, KidneyLabels.Background);
    }
}

/// <summary>A bowel loop: soft-tissue wall around a gas pocket.</summary>
internal sealed class BowelPainter(Vec3 centre, double radius, PhaseTissueValues values) : RegionPainter
{
    public override Vec3 BoundCentre => centre;
    public override double BoundRadius => radius;

    public override void Paint(Vec3 p, int i, ref RowSamples row)
    {
        double r2 = (p - centre).Dot(p - centre);
        if (r2 > radius * radius) return;
        var t = r2 < Sq(0.7 * radius) ? Tissue.Air : Tissue.BowelWall;
        row.Set(i, t, values[t], KidneyLabels.Background);
    }
}

/// <summary>Table HU of every fixed tissue in one phase (the collecting system in D is per case).</summary>
internal sealed class PhaseTissueValues
{
    private readonly double[] _hu = new double[32];

    public PhaseTissueValues(ContrastPhase phase, double collectingDelayedHu)
    {
        foreach (var t in Enum.GetValues<Tissue>())
            if (TissueTable.HasFixedValue(t)) _hu[(int)t] = TissueTable.Mean(t, phase);
        if (phase == ContrastPhase.D) _hu[(int)Tissue.CollectingSystem] = collectingDelayedHu;
    }

    public double this[Tissue t] => _hu[(int)t];
}
