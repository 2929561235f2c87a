namespace RenalGrpc.Imaging;

/// <summary>One label value of the KiTS23 convention with its display colour and SNOMED CT coding.</summary>
public sealed record LabelDefinition(
    int Value,
    string Name,
    byte Red,
    byte Green,
    byte Blue,
    string SnomedCode,
    string SnomedMeaning,
    string CategoryCode,
    string CategoryMeaning)
{
    /// <summary>
    /// 3D Slicer's terminology string (category~type~modifier~region~context) so Slicer shows the
    /// segment with its standard meaning; empty for background.
    /// </summary>
    public string SlicerTerminology => SnomedCode.Length == 0
        ? ""
        : $"Segmentation category and type - 3D Slicer General Anatomy list~SCT^{CategoryCode}^{CategoryMeaning}~SCT^{SnomedCode}^{SnomedMeaning}~^^~Anatomic codes - DICOM master list~^^~^^";
}

/// <summary>
/// The label table shared by files, the server and the clients: KiTS23 values 0 background,
/// 1 kidney, 2 tumor, 3 cyst. Codes: Kidney 64033007 (DICOM CID 6204), Mass 4147007 and Cyst
/// 367643001 (DICOM CID 7159 Lesion Segmentation Type); categories Anatomical Structure 123037004
/// and Morphologically Altered Structure 49755003 (DICOM CID 7150).
/// </summary>
public static class KidneyLabels
{
    public const int Background = 0;
    public const int Kidney = 1;
    public const int Tumor = 2;
    public const int Cyst = 3;

    public static IReadOnlyList<LabelDefinition> All { get; } =
    [
        new(Background, "background", 0, 0, 0, "", "", "", ""),
        new(Kidney, "kidney", 185, 102, 83, "64033007", "Kidney", "123037004", "Anatomical Structure"),
        new(Tumor, "tumor", 241, 214, 69, "4147007", "Mass", "49755003", "Morphologically Altered Structure"),
        new(Cyst, "cyst", 111, 184, 210, "367643001", "Cyst", "49755003", "Morphologically Altered Structure"),
    ];

    public static LabelDefinition? Find(int value) => All.FirstOrDefault(l => l.Value == value);
}
