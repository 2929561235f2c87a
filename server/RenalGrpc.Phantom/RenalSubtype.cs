namespace RenalGrpc.Phantom;

/// <summary>The five solid renal mass subtypes of the paper's cohort.</summary>
public enum RenalSubtype
{
    CcRcc = 0,
    PRcc = 1,
    ChRcc = 2,
    Oncocytoma = 3,
    Aml = 4,
}

public static class RenalSubtypes
{
    public static IReadOnlyList<RenalSubtype> All { get; } =
        [RenalSubtype.CcRcc, RenalSubtype.PRcc, RenalSubtype.ChRcc, RenalSubtype.Oncocytoma, RenalSubtype.Aml];

    /// <summary>The name case.json uses (DATASET.md: "ccRCC|pRCC|chRCC|oncocytoma|AML").</summary>
    public static string Name(this RenalSubtype subtype) => subtype switch
    {
        RenalSubtype.CcRcc => "ccRCC",
        RenalSubtype.PRcc => "pRCC",
        RenalSubtype.ChRcc => "chRCC",
        RenalSubtype.Oncocytoma => "oncocytoma",
        RenalSubtype.Aml => "AML",
        _ => throw new ArgumentOutOfRangeException(nameof(subtype)),
    };

    public static bool IsMalignant(this RenalSubtype subtype) =>
        subtype is RenalSubtype.CcRcc or RenalSubtype.PRcc or RenalSubtype.ChRcc;

    /// <summary>
    /// Literature mean HU of the enhancing (solid) tissue per phase N, A, P, D. AML rows differ
    /// between the fat-rich soft-tissue part and the lipid-poor form.
    /// </summary>
    public static double[] SolidMeans(RenalSubtype subtype, bool fatRichAml = false) => subtype switch
    {
        RenalSubtype.CcRcc => [33, 175, 140, 95],
        RenalSubtype.PRcc => [35, 55, 70, 60],
        RenalSubtype.ChRcc => [35, 110, 140, 110],
        RenalSubtype.Oncocytoma => [32, 140, 145, 100],
        RenalSubtype.Aml => fatRichAml ? [40, 90, 120, 80] : [40, 80, 125, 80],
        _ => throw new ArgumentOutOfRangeException(nameof(subtype)),
    };
}
