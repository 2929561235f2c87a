using System.Text.Json;
using RenalGrpc.Imaging;

namespace RenalGrpc.Training.Data;

/// <summary>One phase of a case on disk: its image and, when present, its ground truth in the same grid.</summary>
public sealed record CasePhaseFiles(string Phase, string ImagePath, string? LabelsPath);

/// <summary>
/// One case of a dataset folder. Subtype is null for normal studies and for KiTS23 cases (which
/// carry no subtype label and train segmentation only).
/// </summary>
public sealed record TrainingCase(string Id, string Folder, string? Subtype, IReadOnlyList<CasePhaseFiles> Phases)
{
    public CasePhaseFiles? Phase(string name) => Phases.FirstOrDefault(p => p.Phase == name);
}

/// <summary>
/// Finds the cases of a dataset folder in either layout: ours (DATASET.md: case_*/imaging_X.nii.gz,
/// segmentation_X.nii.gz, case.json) or plain KiTS23 (case_*/imaging.nii.gz + segmentation.nii.gz,
/// read as one contrast phase, P, with no subtype).
/// </summary>
public static class TrainingDataset
{
    private static readonly string[] PhaseNames = { "N", "A", "P", "D" };

    /// <summary>The phase name KiTS23 cases are filed under: the KiTS CTs are mostly nephrographic/portal.</summary>
    public const string KitsPhase = "P";

    public static IReadOnlyList<TrainingCase> Discover(string folder)
    {
        if (!Directory.Exists(folder))
            throw new ImagingException($"dataset folder '{folder}' does not exist");
        var cases = new List<TrainingCase>();
        foreach (var caseFolder in Directory.GetDirectories(folder, "case_*").Order(StringComparer.Ordinal))
        {
            var found = ReadCase(caseFolder);
            if (found is not null) cases.Add(found);
        }
        if (cases.Count == 0)
            throw new ImagingException($"dataset folder '{folder}' holds no case_* folder with imaging_X.nii.gz (DATASET.md) or imaging.nii.gz (KiTS23)");
        return cases;
    }

    private static TrainingCase? ReadCase(string caseFolder)
    {
        string id = Path.GetFileName(caseFolder);
        var phases = new List<CasePhaseFiles>();
        foreach (var phase in PhaseNames)
        {
            var image = Path.Combine(caseFolder, $"imaging_{phase}.nii.gz");
            if (!File.Exists(image)) continue;
            var labels = Path.Combine(caseFolder, $"segmentation_{phase}.nii.gz");
            phases.Add(new CasePhaseFiles(phase, image, File.Exists(labels) ? labels : null));
        }
        if (phases.Count > 0) return new TrainingCase(id, caseFolder, ReadSubtype(caseFolder), phases);

        var kitsImage = Path.Combine(caseFolder, "imaging.nii.gz");
        if (!File.Exists(kitsImage)) return null;
        var kitsLabels = Path.Combine(caseFolder, "segmentation.nii.gz");
        return new TrainingCase(id, caseFolder, null,
            new[] { new CasePhaseFiles(KitsPhase, kitsImage, File.Exists(kitsLabels) ? kitsLabels : null) });
    }

    private static string? ReadSubtype(string caseFolder)
    {
        var path = Path.Combine(caseFolder, "case.json");
        if (!File.Exists(path)) return null;
        try
        {
            using var document = JsonDocument.Parse(File.ReadAllBytes(path));
            if (!document.RootElement.TryGetProperty("subtype", out var subtype) || subtype.ValueKind != JsonValueKind.String) return null;
            var name = subtype.GetString();
            if (name is null || !RenalSubtypes.Names.Contains(name))
                throw new ImagingException($"{path}: subtype '{name}' is not one of {string.Join(", ", RenalSubtypes.Names)}");
            return name;
        }
        catch (JsonException e)
        {
            throw new ImagingException($"{path}: not valid JSON ({e.Message})");
        }
    }

    /// <summary>
    /// Splits cases into training and validation deterministically for a seed (a seeded shuffle,
    /// then the first round(fraction * n) cases validate).
    /// </summary>
    public static (IReadOnlyList<TrainingCase> Train, IReadOnlyList<TrainingCase> Validation) Split(
        IReadOnlyList<TrainingCase> cases, double validationFraction, int seed)
    {
        if (!(validationFraction >= 0 && validationFraction < 1))
            throw new ArgumentException($"validation fraction must be in [0, 1), got {validationFraction}");
        var shuffled = cases.ToArray();
        new Random(seed).Shuffle(shuffled);
        int validation = (int)Math.Round(validationFraction * shuffled.Length);
        if (validation >= shuffled.Length) validation = shuffled.Length - 1;
        return (shuffled.Skip(validation).ToArray(), shuffled.Take(validation).ToArray());
    }
}
