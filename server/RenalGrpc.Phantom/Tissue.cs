namespace RenalGrpc.Phantom;

/// <summary>
/// What a voxel centre of the analytic patient is made of. Kept next to the image so tests can
/// measure each tissue's HU; the lesion tissues carry their own per-lesion values.
/// </summary>
public enum Tissue : byte
{
    Air = 0,
    Fat = 1,
    Muscle = 2,
    TrabecularBone = 3,
    CorticalBone = 4,
    Liver = 5,
    Spleen = 6,
    Aorta = 7,
    Ivc = 8,
    BowelWall = 9,
    RenalCortex = 10,
    RenalMedulla = 11,
    SinusFat = 12,
    CollectingSystem = 13,
    LesionSolid = 14,
    LesionNecrosis = 15,
    LesionFat = 16,
    LesionScar = 17,
    Cyst = 18,
}

/// <summary>DATASET.md's HU table for the tissues whose value depends only on the phase.</summary>
public static class TissueTable
{
    // Rows: tissue; columns: N, A, P, D. Collecting system in D is drawn per case (300-800).
    private static readonly Dictionary<Tissue, double[]> Means = new()
    {
        [Tissue.Air] = [-1000, -1000, -1000, -1000],
        [Tissue.Fat] = [-100, -100, -100, -100],
        [Tissue.Muscle] = [50, 60, 70, 65],
        [Tissue.TrabecularBone] = [200, 200, 200, 200],
        [Tissue.CorticalBone] = [850, 850, 850, 850],
        [Tissue.Liver] = [55, 75, 110, 80],
        [Tissue.Spleen] = [45, 120, 120, 90],
        [Tissue.Aorta] = [40, 300, 160, 100],
        [Tissue.Ivc] = [40, 80, 150, 100],
        [Tissue.BowelWall] = [35, 60, 80, 70],
        [Tissue.RenalCortex] = [35, 180, 170, 120],
        [Tissue.RenalMedulla] = [30, 80, 165, 110],
        [Tissue.SinusFat] = [-90, -90, -90, -90],
        [Tissue.CollectingSystem] = [5, 10, 20, 550],
    };

    public static bool HasFixedValue(Tissue tissue) => Means.ContainsKey(tissue);

    public static double Mean(Tissue tissue, ContrastPhase phase) =>
        Means.TryGetValue(tissue, out var row) ? row[(int)phase]
            : throw new ArgumentException($"{tissue} has per-lesion values, not a table value");
}
