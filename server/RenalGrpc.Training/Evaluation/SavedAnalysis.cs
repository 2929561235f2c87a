using System.Text.Json;
using RenalGrpc.Engine.Analysis;
using RenalGrpc.Imaging;
using RenalGrpc.Imaging.Nifti;

namespace RenalGrpc.Training.Evaluation;

/// <summary>
/// What the diagnosis of a case needs once stage 1 and the registration have run: the phases on the
/// reference grid (float32 HU) and the registration's transforms, kept beside the case's predicted
/// label map (PREDICTIONS/CASE.nii.gz) in PREDICTIONS/CASE.aligned/. Why: a stage-2 change (the
/// classifier, its crop settings, how lesions are measured) can then be scored on a whole dataset in
/// seconds per case instead of re-running the 20-30 s of segmentation and alignment it does not touch.
/// </summary>
public static class SavedAnalysis
{
    public const string OutcomeFile = "outcome.json";

    public static string FolderOf(string predictionsFolder, string caseId) => Path.Combine(predictionsFolder, caseId + ".aligned");

    public static string LabelsPathOf(string predictionsFolder, string caseId) => Path.Combine(predictionsFolder, caseId + ".nii.gz");

    /// <summary>Writes the aligned images and the outcome's reference phase and transforms (the label map is written by the caller).</summary>
    public static void Write(string predictionsFolder, string caseId, CaseOutcome outcome, IReadOnlyDictionary<string, Volume> imagesOnReference)
    {
        string folder = FolderOf(predictionsFolder, caseId);
        Directory.CreateDirectory(folder);
        foreach (var (phase, image) in imagesOnReference) NiftiFile.Write(image, Path.Combine(folder, $"{phase}.nii.gz"));
        var record = new SavedOutcome(outcome.ReferencePhase,
            outcome.ReferenceToPhase?.ToDictionary(p => p.Key, p => new SavedAffine(p.Value.Linear.ToRowMajorArray(), [p.Value.Offset.X, p.Value.Offset.Y, p.Value.Offset.Z])));
        File.WriteAllText(Path.Combine(folder, OutcomeFile), JsonSerializer.Serialize(record, Json));
    }

    /// <summary>
    /// Reads a case written by <see cref="Write"/> and its label map: the aligned study (grid = the label
    /// map's), the labels and the transforms. ImagingException naming what is missing or inconsistent.
    /// </summary>
    public static (AlignedStudy Aligned, Volume Labels, IReadOnlyDictionary<string, LpsAffine>? ReferenceToPhase) Read(string predictionsFolder, string caseId)
    {
        string folder = FolderOf(predictionsFolder, caseId);
        string outcomePath = Path.Combine(folder, OutcomeFile);
        string labelsPath = LabelsPathOf(predictionsFolder, caseId);
        if (!File.Exists(outcomePath) || !File.Exists(labelsPath))
            throw new ImagingException($"case {caseId}: no saved analysis in {predictionsFolder} (needs {caseId}.nii.gz and {caseId}.aligned/{OutcomeFile}; " +
                "write them with renal evaluate --predictions DIR --save-aligned)");
        SavedOutcome record;
        try
        {
            record = JsonSerializer.Deserialize<SavedOutcome>(File.ReadAllText(outcomePath), Json)
                ?? throw new ImagingException($"{outcomePath}: empty");
        }
        catch (JsonException e)
        {
            throw new ImagingException($"{outcomePath}: not a saved outcome ({e.Message})");
        }
        if (!RenalPhases.Contains(record.ReferencePhase))
            throw new ImagingException($"{outcomePath}: reference phase '{record.ReferencePhase}' is not one of N, A, P, D");

        var labels = NiftiFile.Read(labelsPath);
        if (labels.VoxelType != VoxelType.UInt8) throw new ImagingException($"{labelsPath}: labels must be uint8, got {labels.VoxelType}");
        var images = new Dictionary<string, Volume>(StringComparer.Ordinal);
        foreach (string phase in RenalPhases)
        {
            string path = Path.Combine(folder, $"{phase}.nii.gz");
            if (!File.Exists(path)) continue;
            var image = NiftiFile.Read(path);
            if (!image.Geometry.IsSameGrid(labels.Geometry))
                throw new ImagingException($"{path}: not on the grid of {labelsPath} ({image.Geometry} vs {labels.Geometry})");
            images[phase] = image;
        }
        if (!images.ContainsKey(record.ReferencePhase))
            throw new ImagingException($"{folder}: the reference phase {record.ReferencePhase}'s image is missing");

        var transforms = record.ReferenceToPhase?.ToDictionary(p => p.Key, p => p.Value.ToAffine(outcomePath));
        return (new AlignedStudy(record.ReferencePhase, labels.Geometry, images, []), labels, transforms);
    }

    private static readonly string[] RenalPhases = ["N", "A", "P", "D"];

    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.CamelCase };

    private sealed record SavedOutcome(string ReferencePhase, Dictionary<string, SavedAffine>? ReferenceToPhase);

    private sealed record SavedAffine(double[] Linear, double[] Offset)
    {
        public LpsAffine ToAffine(string path)
        {
            if (Linear is not { Length: 9 } || Offset is not { Length: 3 } || Linear.Concat(Offset).Any(v => !double.IsFinite(v)))
                throw new ImagingException($"{path}: a transform needs 9 finite linear values and 3 finite offsets");
            return new LpsAffine(Matrix3.FromRowMajor(Linear), new Vec3(Offset[0], Offset[1], Offset[2]));
        }
    }
}
