namespace RenalGrpc.Imaging;

/// <summary>
/// The five histologic subtypes in the fixed order used by the classifier's outputs, the contract
/// and every report (DESIGN.md section 1). The first three are malignant.
/// </summary>
public static class RenalSubtypes
{
    public static IReadOnlyList<string> Names { get; } = ["ccRCC", "pRCC", "chRCC", "oncocytoma", "AML"];

    public static IReadOnlySet<string> Malignant { get; } = new HashSet<string>(StringComparer.Ordinal) { "ccRCC", "pRCC", "chRCC" };
}
