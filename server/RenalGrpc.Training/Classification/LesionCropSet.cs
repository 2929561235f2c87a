using RenalGrpc.Engine.Checkpoints;
using RenalGrpc.Engine.Classification;
using RenalGrpc.Imaging;
using RenalGrpc.Imaging.Components;
using RenalGrpc.Imaging.Nifti;
using RenalGrpc.Training.Data;

namespace RenalGrpc.Training.Classification;

/// <summary>The classifier's training example for one case: its subtype and one crop per phase.</summary>
public sealed record CaseCrops(string CaseId, int Subtype, IReadOnlyDictionary<string, LesionCrop> Crops);

/// <summary>
/// Cuts the largest tumor's crops from every phase of labelled cases, with each phase's own ground
/// truth in its own grid (as the paper trained: the largest-area slice per phase). Cases without a
/// subtype or without a tumor in any phase are skipped.
/// </summary>
public static class LesionCropSet
{
    public static IReadOnlyList<CaseCrops> Build(IReadOnlyList<TrainingCase> cases, CheckpointMetadata metadata)
    {
        var result = new CaseCrops?[cases.Count];
        Parallel.For(0, cases.Count, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount }, n =>
        {
            var c = cases[n];
            if (c.Subtype is null) return;
            var crops = new Dictionary<string, LesionCrop>();
            foreach (var phase in c.Phases.Where(p => p.LabelsPath is not null))
            {
                var image = NiftiFile.Read(phase.ImagePath);
                var labels = NiftiFile.Read(phase.LabelsPath!);
                var tumor = LargestTumor(labels);
                if (tumor is null) continue;
                var crop = LesionCrops.Crop(image, tumor, metadata.ClassifierCrop, metadata.Normalization);
                if (crop is not null) crops[phase.Phase] = crop;
            }
            if (crops.Count > 0) result[n] = new CaseCrops(c.Id, RenalSubtypes.Names.ToList().IndexOf(c.Subtype), crops);
        });
        return result.Where(r => r is not null).Select(r => r!).ToArray();
    }

    /// <summary>Mask (1 = voxel of the largest label-2 component) or null when there is no tumor.</summary>
    public static byte[]? LargestTumor(Volume labels)
    {
        var labeling = ConnectedComponents.Label(labels, v => v == KidneyLabels.Tumor, Connectivity.TwentySix);
        if (labeling.ComponentCount == 0) return null;
        return labeling.MaskOf(labeling.LabelsBySize()[0]);
    }
}
