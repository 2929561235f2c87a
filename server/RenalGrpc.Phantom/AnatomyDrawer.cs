using RenalGrpc.Imaging;

namespace RenalGrpc.Phantom;

/// <summary>
/// Draws the torso and kidneys of one patient in patient LPS mm (x to the patient's left,
/// y posterior, z superior; origin at the body axis at the level of the renal hila).
/// </summary>
internal static class AnatomyDrawer
{
    public static TorsoSpec DrawTorso(SeededRandom rng)
    {
        double semiX = rng.Uniform(140, 162), semiY = rng.Uniform(100, 122);
        double spineY = semiY * rng.Uniform(0.38, 0.46);
        double vertebral = rng.Uniform(17, 22);
        double vesselY = spineY - vertebral - rng.Uniform(10, 16);
        var bowel = new List<(Vec3, double)>();
        int pockets = 3 + rng.Below(3);
        for (int n = 0; n < pockets; n++)
        {
            bowel.Add((new Vec3(rng.Uniform(-85, 85), rng.Uniform(-semiY * 0.7, -25), rng.Uniform(-90, 60)), rng.Uniform(10, 24)));
        }
        return new TorsoSpec(
            BodySemiX: semiX,
            BodySemiY: semiY,
            SubcutaneousFat: rng.Uniform(10, 32),
            MuscleWall: rng.Uniform(8, 14),
            LiverCentre: new Vec3(-rng.Uniform(55, 72), rng.Uniform(-25, -5), rng.Uniform(60, 80)),
            LiverSemiAxes: new Vec3(rng.Uniform(75, 90), rng.Uniform(65, 80), rng.Uniform(85, 100)),
            SpleenCentre: new Vec3(rng.Uniform(80, 100), rng.Uniform(25, 45), rng.Uniform(55, 75)),
            SpleenSemiAxes: new Vec3(rng.Uniform(28, 38), rng.Uniform(40, 50), rng.Uniform(45, 60)),
            AortaCentre: new Vec3(rng.Uniform(8, 20), vesselY, 0),
            AortaRadius: rng.Uniform(9, 13),
            IvcCentre: new Vec3(-rng.Uniform(22, 30), vesselY, 0),
            IvcRadius: rng.Uniform(9, 13),
            SpineCentre: new Vec3(0, spineY, 0),
            VertebralRadius: vertebral,
            BowelCentres: bowel.Select(b => b.Item1).ToArray(),
            BowelRadii: bowel.Select(b => b.Item2).ToArray(),
            CollectingSystemDelayedHu: rng.Uniform(300, 800));
    }

    public static KidneySpec DrawKidney(SeededRandom rng, KidneySide side, TorsoSpec torso)
    {
        // Medial is towards the spine: +x for the right kidney (which lies at -x).
        double medialSign = side == KidneySide.Right ? 1 : -1;
        double x = -medialSign * rng.Uniform(68, 84);
        double y = torso.SpineCentre.Y + rng.Uniform(-5, 8);
        double z = side == KidneySide.Right ? rng.Uniform(-25, -10) : rng.Uniform(-8, 8);
        // Upper pole tilted medially and posteriorly; hilum faces anteromedially.
        double tilt = rng.Uniform(8, 18) * Math.PI / 180, lean = rng.Uniform(5, 15) * Math.PI / 180;
        var length = new Vec3(medialSign * Math.Sin(tilt), Math.Sin(lean), Math.Cos(tilt)).Normalized();
        double hilumAngle = rng.Uniform(20, 40) * Math.PI / 180;
        var medialAnterior = new Vec3(medialSign * Math.Cos(hilumAngle), -Math.Sin(hilumAngle), 0);
        var width = (medialAnterior - length * medialAnterior.Dot(length)).Normalized();
        var thickness = length.Cross(width).Normalized();
        var semi = new Vec3(rng.Uniform(24, 30), rng.Uniform(18, 23), rng.Uniform(48, 60));
        return new KidneySpec(side, new Vec3(x, y, z), Matrix3.FromColumns(width, thickness, length), semi);
    }
}
