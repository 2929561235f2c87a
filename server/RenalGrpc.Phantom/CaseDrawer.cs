using RenalGrpc.Imaging;

namespace RenalGrpc.Phantom;

/// <summary>Draws every parameter of one case from its own seed (dataset seed + case index).</summary>
public static class CaseDrawer
{
    /// <summary>Probability that a tumor case has a second tumor of the same subtype.</summary>
    public const double SecondTumorProbability = 0.12;

    public static ulong CaseSeed(int datasetSeed, int caseIndex) =>
        SeededRandom.Derive((ulong)(uint)datasetSeed, 0xCA5E0000UL + (ulong)caseIndex);

    public static CaseSpec Draw(CaseAssignment assignment, PhantomOptions options)
    {
        ulong caseSeed = CaseSeed(options.Seed, assignment.Index);
        var rng = new SeededRandom(caseSeed);
        var torso = AnatomyDrawer.DrawTorso(rng);
        KidneySpec[] kidneys = [AnatomyDrawer.DrawKidney(rng, KidneySide.Right, torso), AnatomyDrawer.DrawKidney(rng, KidneySide.Left, torso)];

        var lesions = new List<LesionSpec>();
        // Cysts first: painting in list order lets a tumor win where the two overlap (KiTS23).
        if (assignment.HasCyst) lesions.Add(LesionDrawer.DrawCyst(rng, kidneys[rng.Below(2)]));
        if (assignment.Subtype is { } subtype)
        {
            lesions.Add(LesionDrawer.DrawTumor(rng, subtype, kidneys[rng.Below(2)]));
            if (rng.Chance(SecondTumorProbability)) lesions.Add(LesionDrawer.DrawTumor(rng, subtype, kidneys[rng.Below(2)]));
        }

        // Same scanner settings for all phases of a study; spacing varies a little between patients.
        double inPlane = options.Size.InPlaneSpacing * rng.Uniform(0.96, 1.04);
        double slice = options.Size.SliceSpacing;
        var scans = options.Phases.Select(phase => DrawScan(caseSeed, phase, options.Size.Size, inPlane, slice)).ToArray();
        return new CaseSpec($"case_{assignment.Index:D5}", (int)(caseSeed & 0x7FFFFFFF), assignment.Subtype, torso, kidneys, lesions.ToArray(), scans);
    }

    /// <summary>
    /// A phase's own scan: breathing shift (craniocaudal up to 10 mm, in-plane up to 3 mm), a
    /// small rotation (up to 3 degrees about z, 1.5 about x and y), its own z-range and noise.
    /// Seeded per phase, so leaving a phase out does not change the others.
    /// </summary>
    private static PhaseScanSpec DrawScan(ulong caseSeed, ContrastPhase phase, GridSize size, double inPlane, double slice)
    {
        var rng = new SeededRandom(SeededRandom.Derive(caseSeed, 0x9A5E00UL + (ulong)phase));
        var translation = new Vec3(rng.Uniform(-3, 3), rng.Uniform(-3, 3), rng.Uniform(-10, 10));
        var rotation = new Vec3(rng.Uniform(-1.5, 1.5), rng.Uniform(-1.5, 1.5), rng.Uniform(-3, 3));
        double zCentre = -5 + rng.Uniform(-15, 15);
        var spacing = new Vec3(inPlane, inPlane, slice);
        var origin = new Vec3(-(size.I - 1) / 2.0 * inPlane, -(size.J - 1) / 2.0 * inPlane, zCentre - (size.K - 1) / 2.0 * slice);
        var grid = Geometry.Axial(size, spacing, origin);
        return new PhaseScanSpec(phase, translation, rotation, grid, rng.NextUInt64(), rng.Uniform(8, 20));
    }
}
