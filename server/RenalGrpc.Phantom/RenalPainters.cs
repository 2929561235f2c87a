using RenalGrpc.Imaging;

namespace RenalGrpc.Phantom;

/// <summary>
/// A kidney: cortex shell, medullary pyramids, renal sinus fat and the collecting system
/// (calyces and pelvis, which continues outside the capsule as the extrarenal pelvis). Label 1
/// covers everything inside the capsule.
/// </summary>
internal sealed class KidneyPainter(KidneySpec kidney, PhaseTissueValues values) : RegionPainter
{
    private const double CortexInnerRadius = 0.78;
    private readonly Vec3 _s = kidney.SemiAxes;
    private readonly Matrix3 _toLocal = kidney.Axes.Transpose();

    public override Vec3 BoundCentre => kidney.Centre;
    public override double BoundRadius => Math.Max(_s.X * 1.3, Math.Max(_s.Y, _s.Z));

    public override void Paint(Vec3 p, int i, ref RowSamples row)
    {
        var q = _toLocal * (p - kidney.Centre);
        double u = q.X / _s.X, v = q.Y / _s.Y, w = q.Z / _s.Z;
        double r2 = u * u + v * v + w * w;
        bool inPelvis = Sq((u - 0.72) / 0.42) + Sq(v / 0.3) + Sq(w / 0.25) <= 1;
        if (r2 > 1)
        {
            if (inPelvis) row.Set(i, Tissue.CollectingSystem, values[Tissue.CollectingSystem], KidneyLabels.Background);
            return;
        }
        Tissue t;
        bool inSinus = Sq((u - 0.45) / 0.55) + Sq(v / 0.55) + Sq(w / 0.65) <= 1;
        if (inSinus)
        {
            // Pelvis plus upper and lower infundibula reaching towards the poles.
            bool inCalyx = Sq((u - 0.3) / 0.16) + Sq(v / 0.16) + Sq((Math.Abs(w) - 0.35) / 0.28) <= 1;
            t = inPelvis || inCalyx ? Tissue.CollectingSystem : Tissue.SinusFat;
        }
        else if (r2 > CortexInnerRadius * CortexInnerRadius)
        {
            t = Tissue.RenalCortex;
        }
        else
        {
            // Pyramids separated by cortical columns (of Bertin): an angular pattern around the long axis.
            double angle = Math.Atan2(v, u);
            double pattern = Math.Cos(3 * angle) * Math.Cos(2.2 * Math.PI * w);
            t = pattern > -0.35 && r2 > 0.12 ? Tissue.RenalMedulla : Tissue.RenalCortex;
        }
        row.Set(i, t, values[t], KidneyLabels.Kidney);
    }
}

/// <summary>A renal lesion: tumor (label 2, with its interior features) or simple cyst (label 3).</summary>
internal sealed class LesionPainter(LesionSpec lesion, ContrastPhase phase) : RegionPainter
{
    // Central scar: hypoenhancing early, enhancing late (N, A, P, D).
    private static readonly double[] ScarHu = [30, 45, 60, 80];
    private readonly double _bound = lesion.BoundingRadius;
    private readonly int _phase = (int)phase;

    public override Vec3 BoundCentre => lesion.Centre;
    public override double BoundRadius => _bound;

    /// <summary>Border radius along unit direction u.</summary>
    public double BorderRadius(Vec3 u)
    {
        double f = 1;
        for (int m = 0; m < lesion.Lobe.Length; m++)
            f += lesion.Amplitude[m] * Math.Cos(lesion.Frequency[m] * u.Dot(lesion.Lobe[m]) + lesion.Phase[m]);
        return lesion.Radius * f;
    }

    public override void Paint(Vec3 p, int i, ref RowSamples row)
    {
        var d = p - lesion.Centre;
        double dist = d.Length;
        if (dist > _bound) return;
        var u = dist > 1e-9 ? d * (1 / dist) : new Vec3(0, 0, 1);
        double border = BorderRadius(u);
        if (dist > border) return;
        if (lesion.IsCyst)
        {
            if (row.Label[i] != KidneyLabels.Tumor) row.Set(i, Tissue.Cyst, lesion.PhaseHu[_phase], KidneyLabels.Cyst);
            return;
        }
        var (tissue, hu) = Interior(p, d, u, dist / border);
        row.Set(i, tissue, hu, KidneyLabels.Tumor);
    }

    /// <summary>Tissue and HU at relative depth s (0 centre, 1 border) inside a tumor.</summary>
    private (Tissue, double) Interior(Vec3 p, Vec3 d, Vec3 u, double s)
    {
        var f = lesion.Features;
        double texture = SmoothPattern.At(p, lesion.TextureSeed, 1.0);
        double texture2 = SmoothPattern.At(p, lesion.TextureSeed + 3.1, 1.3);
        if (f.Necrosis && lesion.Radius > 8 && s < 0.55 + 0.15 * texture2) return (Tissue.LesionNecrosis, lesion.NecrosisHu);
        if (f.MacroscopicFat && (texture2 > 0.15 || s < 0.25)) return (Tissue.LesionFat, lesion.FatHu);
        if (f.CentralScar && lesion.Radius > 8 && IsStellateScar(u, s)) return (Tissue.LesionScar, ScarHu[_phase]);
        double unenhanced = lesion.PhaseHu[0];
        double hu = _phase == 0
            ? unenhanced + 3 * texture
            : unenhanced + (lesion.PhaseHu[_phase] - unenhanced) * (1 + lesion.TextureAmplitude * texture);
        if (f.EnhancementInversion)
        {
            // Segmental inversion: one part high in A and low in D, the other the reverse.
            double sign = d.Dot(lesion.InversionNormal) >= 0 ? 1 : -1;
            if (_phase == (int)ContrastPhase.A) hu += sign * lesion.InversionHu;
            else if (_phase == (int)ContrastPhase.D) hu -= sign * lesion.InversionHu;
        }
        return (Tissue.LesionSolid, hu);
    }

    /// <summary>A central star: a core plus five spokes around the lesion's first lobe axis.</summary>
    private bool IsStellateScar(Vec3 u, double s)
    {
        if (s >= 0.4) return false;
        if (s < 0.12) return true;
        var axis = lesion.Lobe[0];
        var e1 = axis.Cross(Math.Abs(axis.X) < 0.9 ? new Vec3(1, 0, 0) : new Vec3(0, 1, 0)).Normalized();
        var e2 = axis.Cross(e1);
        double angle = Math.Atan2(u.Dot(e2), u.Dot(e1));
        return Math.Cos(5 * angle) > 0.6;
    }
}
