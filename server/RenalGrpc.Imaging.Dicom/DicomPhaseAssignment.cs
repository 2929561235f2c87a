using System.Text.RegularExpressions;

namespace RenalGrpc.Imaging.Dicom;

/// <summary>
/// Which series of a DICOM study folder is which contrast phase (N unenhanced, A corticomedullary,
/// P nephrographic, D excretory), read from the words scanners and technologists put in
/// SeriesDescription. Only the description decides: acquisition order and the contrast-agent
/// attribute vary too much between sites to assign a phase on their own, and a wrong phase is
/// worse than none (the classifier reads enhancement between phases). A series whose words name
/// no phase, or more than one, is left unassigned; two series naming one phase (a thin and a thick
/// reconstruction) are a conflict the caller must settle by naming the series.
/// </summary>
public sealed record DicomPhaseAssignment(
    IReadOnlyDictionary<string, DicomSeriesSummary> Phases,
    IReadOnlyDictionary<string, IReadOnlyList<DicomSeriesSummary>> Conflicts,
    IReadOnlyList<DicomSeriesSummary> Unassigned)
{
    /// <summary>
    /// Exams (StudyInstanceUIDs) among the volume series. Phases of one analysis must be minutes
    /// apart in one exam; a folder holding a prior exam too would otherwise mix the two.
    /// </summary>
    public int Exams { get; init; } = 1;

    // Words per phase, matched as whole words after NormalisedWords.
    private static readonly (string Phase, Regex Words)[] PhaseWords =
    [
        ("N", Words("NON CONTRAST|NONCONTRAST|NONCON|UNENHANCED|NON ENHANCED|NONENHANCED|PRE CONTRAST|PRECONTRAST|PRECON|PRE|PLAIN|NATIVE|NATIV|NECT|NCCT|NC|WITHOUT|WO")),
        ("A", Words("ARTERIAL|ARTERIELL|ART|CORTICOMEDULLARY|CORTICO MEDULLARY|CORTICAL|CMP")),
        ("P", Words("NEPHROGRAPHIC|NEPHRO|NEPH|PORTAL|VENOUS|PV|PVP|PARENCHYMAL|NP")),
        ("D", Words("DELAYED|DELAY|DEL|EXCRETORY|EXCRETION|EXCR|EXC|UROGRAPHIC|UROGRAM|URO|PYELOGRAPHIC|PYELO")),
    ];

    private static readonly Regex PhaseLetter = new(@"\b(?:IMAGING|PHASE) ([NAPD])\b", RegexOptions.Compiled | RegexOptions.CultureInvariant);
    private static readonly Regex WithoutSign = new(@"\bW/O\b", RegexOptions.Compiled | RegexOptions.CultureInvariant);
    private static readonly Regex ContrastMinus = new(@"(?<![A-Z0-9])C-(?![A-Z0-9])", RegexOptions.Compiled | RegexOptions.CultureInvariant);
    private static readonly Regex NotLetterOrDigit = new(@"[^A-Z0-9]+", RegexOptions.Compiled | RegexOptions.CultureInvariant);

    private static Regex Words(string alternatives) =>
        new($@"\b(?:{alternatives})\b", RegexOptions.Compiled | RegexOptions.CultureInvariant);

    /// <summary>Upper case, "W/O" and "C-" spelled out, every other non-alphanumeric a space.</summary>
    private static string NormalisedWords(string description)
    {
        var text = description.ToUpperInvariant();
        text = WithoutSign.Replace(text, " WITHOUT ");
        text = ContrastMinus.Replace(text, " NONCONTRAST ");
        return NotLetterOrDigit.Replace(text, " ").Trim();
    }

    /// <summary>The phases a description's words name (none, one, or several when it is ambiguous).</summary>
    public static IReadOnlyList<string> PhasesNamedBy(string description)
    {
        ArgumentNullException.ThrowIfNull(description);
        var text = NormalisedWords(description);
        var named = PhaseWords.Where(p => p.Words.IsMatch(text)).Select(p => p.Phase).ToList();
        // This project's own names: imaging_N.nii.gz of the dataset layout (a Slicer volume "imaging_N"), "phase A".
        foreach (Match letter in PhaseLetter.Matches(text))
        {
            if (!named.Contains(letter.Groups[1].Value)) named.Add(letter.Groups[1].Value);
        }
        return named.OrderBy(p => "NAPD".IndexOf(p, StringComparison.Ordinal)).ToList();
    }

    /// <summary>The phase a description names, or null when it names none or several.</summary>
    public static string? PhaseOf(string description) => PhasesNamedBy(description) is [var only] ? only : null;

    /// <summary>
    /// Assigns the volume series of a folder (CT when there is any; scouts and single slices left
    /// out) to phases by their descriptions.
    /// </summary>
    public static DicomPhaseAssignment From(IReadOnlyList<DicomSeriesSummary> series)
    {
        ArgumentNullException.ThrowIfNull(series);
        var volumes = series.Where(s => s.IsVolume).ToList();
        if (volumes.Any(IsCt)) volumes = volumes.Where(IsCt).ToList();
        var named = volumes.Select(s => (Series: s, Phase: PhaseOf(s.Description))).ToList();
        var phases = new Dictionary<string, DicomSeriesSummary>(StringComparer.Ordinal);
        var conflicts = new Dictionary<string, IReadOnlyList<DicomSeriesSummary>>(StringComparer.Ordinal);
        foreach (var group in named.Where(n => n.Phase is not null).GroupBy(n => n.Phase!))
        {
            var members = group.Select(g => g.Series).ToList();
            if (members.Count == 1) phases[group.Key] = members[0];
            else conflicts[group.Key] = members;
        }
        var unassigned = named.Where(n => n.Phase is null).Select(n => n.Series).ToList();
        return new DicomPhaseAssignment(
            PhaseOrder.Where(phases.ContainsKey).ToDictionary(p => p, p => phases[p], StringComparer.Ordinal),
            PhaseOrder.Where(conflicts.ContainsKey).ToDictionary(p => p, p => conflicts[p], StringComparer.Ordinal),
            unassigned)
        {
            Exams = volumes.Select(s => s.Exam).Distinct().Count(),
        };
    }

    private static readonly string[] PhaseOrder = ["N", "A", "P", "D"];

    private static bool IsCt(DicomSeriesSummary s) => string.Equals(s.Modality, "CT", StringComparison.OrdinalIgnoreCase);
}
