using RenalGrpc.Imaging;

namespace RenalGrpc.Phantom;

/// <summary>Draws renal lesions: where they sit, their shape, enhancement and interior features.</summary>
internal static class LesionDrawer
{
    /// <summary>
    /// How much of a lesion's deviation from the table is shared by its enhanced phases (a common
    /// z-score) rather than drawn per phase; tuned with bench/phantom_calibration.py.
    /// </summary>
    public const double SharedDeviation = 0.6;

    /// <summary>Enhancement spread: sd = max(MinimumSd, RelativeSd * (mean_phase - mean_N)).</summary>
    public const double RelativeSd = 0.30;
    public const double MinimumSd = 15;
    public const double UnenhancedSd = 8;

    public static LesionSpec DrawTumor(SeededRandom rng, RenalSubtype subtype, KidneySpec kidney)
    {
        bool exophytic = rng.Chance(0.55);
        // 1-8 cm diameter, more small than large lesions (log-uniform radius 5..40 mm).
        double radius = 5 * Math.Exp(rng.Uniform(0, Math.Log(8)));
        var centre = PlaceCentre(rng, kidney, exophytic ? rng.Uniform(0.85, 1.1) : rng.Uniform(0.25, 0.6));
        bool fatRich = subtype == RenalSubtype.Aml && rng.Chance(0.5);
        var features = new LesionFeatures(
            Necrosis: subtype == RenalSubtype.CcRcc && rng.Chance(0.75),
            CentralScar: (subtype == RenalSubtype.ChRcc && rng.Chance(0.2)) || (subtype == RenalSubtype.Oncocytoma && rng.Chance(1.0 / 3)),
            EnhancementInversion: subtype == RenalSubtype.Oncocytoma && rng.Chance(2.0 / 3),
            MacroscopicFat: fatRich);
        double texture = subtype switch
        {
            RenalSubtype.CcRcc => rng.Uniform(0.15, 0.3),
            RenalSubtype.PRcc => 0.03,
            RenalSubtype.ChRcc => 0.08,
            RenalSubtype.Oncocytoma => 0.1,
            _ => fatRich ? 0.1 : 0.04,
        };
        var (lobes, amplitudes, frequencies, phases) = DrawBorder(rng, irregular: true);
        return new LesionSpec(
            IsCyst: false, Subtype: subtype, Side: kidney.Side, Exophytic: exophytic, Centre: centre, Radius: radius,
            PhaseHu: DrawEnhancement(rng, RenalSubtypes.SolidMeans(subtype, fatRich)),
            Features: features, Lobe: lobes, Amplitude: amplitudes, Frequency: frequencies, Phase: phases,
            NecrosisHu: rng.Uniform(15, 25), FatHu: rng.Uniform(-90, -40), InversionHu: rng.Uniform(25, 50),
            InversionNormal: rng.UnitVector(), TextureAmplitude: texture, TextureSeed: rng.Uniform(0, 1000));
    }

    public static LesionSpec DrawCyst(SeededRandom rng, KidneySpec kidney)
    {
        double radius = rng.Uniform(5, 22);
        var centre = PlaceCentre(rng, kidney, rng.Uniform(0.8, 1.05));
        double fluid = rng.Uniform(0, 20);
        var (lobes, amplitudes, frequencies, phases) = DrawBorder(rng, irregular: false);
        return new LesionSpec(
            IsCyst: true, Subtype: null, Side: kidney.Side, Exophytic: true, Centre: centre, Radius: radius,
            PhaseHu: [fluid, fluid, fluid, fluid], Features: new LesionFeatures(false, false, false, false),
            Lobe: lobes, Amplitude: amplitudes, Frequency: frequencies, Phase: phases,
            NecrosisHu: 0, FatHu: 0, InversionHu: 0, InversionNormal: new Vec3(0, 0, 1), TextureAmplitude: 0, TextureSeed: 0);
    }

    /// <summary>
    /// Per-phase solid-tissue HU around the table means: N with a small spread; each enhanced
    /// phase follows N's deviation plus sd_p * (shared z-score mixed with its own), so a lesion
    /// that enhances strongly in A tends to in P and D as well.
    /// </summary>
    public static double[] DrawEnhancement(SeededRandom rng, double[] means)
    {
        double nDeviation = UnenhancedSd * rng.Gaussian();
        double shared = rng.Gaussian();
        var values = new double[4];
        values[0] = means[0] + nDeviation;
        double own = Math.Sqrt(1 - SharedDeviation * SharedDeviation);
        for (int p = 1; p < 4; p++)
        {
            double sd = Math.Max(MinimumSd, RelativeSd * (means[p] - means[0]));
            values[p] = means[p] + nDeviation + sd * (SharedDeviation * shared + own * rng.Gaussian());
        }
        return values;
    }

    /// <summary>A point at `depth` times the kidney surface along a random direction away from the hilum.</summary>
    private static Vec3 PlaceCentre(SeededRandom rng, KidneySpec kidney, double depth)
    {
        Vec3 d;
        do d = rng.UnitVector(); while (d.X > 0.5);
        double t = 1 / Math.Sqrt(Square(d.X / kidney.SemiAxes.X) + Square(d.Y / kidney.SemiAxes.Y) + Square(d.Z / kidney.SemiAxes.Z));
        return kidney.ToPatient(d * (t * depth));
    }

    private static (Vec3[], double[], double[], double[]) DrawBorder(SeededRandom rng, bool irregular)
    {
        const int Lobes = 3;
        var lobes = new Vec3[Lobes];
        var amplitudes = new double[Lobes];
        var frequencies = new double[Lobes];
        var phases = new double[Lobes];
        for (int m = 0; m < Lobes; m++)
        {
            lobes[m] = rng.UnitVector();
            amplitudes[m] = irregular ? rng.Uniform(0.03, 0.11) : 0;
            frequencies[m] = rng.Uniform(1.5, 3.5);
            phases[m] = rng.Uniform(0, 2 * Math.PI);
        }
        return (lobes, amplitudes, frequencies, phases);
    }

    private static double Square(double v) => v * v;
}
