using RenalGrpc.Engine.Analysis;
using RenalGrpc.Engine.Checkpoints;
using RenalGrpc.Engine.Classification;
using RenalGrpc.Imaging;
using RenalGrpc.Imaging.Components;
using RenalGrpc.Imaging.Nifti;
using RenalGrpc.Training.Data;

namespace RenalGrpc.Training.Classification;

/// <summary>The classifier's training example for one case: its subtype and one crop per phase.</summary>
public sealed record CaseCrops(string CaseId, int Subtype, IReadOnlyDictionary<string, LesionCrop> Crops);

/// <summary>Where the classifier's training crops are cut.</summary>
public enum ClassifierCropSource
{
    /// <summary>Each phase on its own grid with its own ground truth, its own largest slice (the paper's training).</summary>
    PerPhase,

    /// <summary>
    /// Every phase moved onto the reference phase's grid and cut on the reference mask's largest slice,
    /// which is what inference feeds the classifier (one grid, one slice, one mask for all phases).
    /// </summary>
    Reference,
}

/// <summary>
/// Cuts the largest tumor's crops from every phase of labelled cases. Cases without a subtype or
/// without a tumor are skipped.
/// </summary>
public static class LesionCropSet
{
    public static IReadOnlyList<CaseCrops> Build(IReadOnlyList<TrainingCase> cases, CheckpointMetadata metadata,
        ClassifierCropSource source = ClassifierCropSource.PerPhase)
    {
        var result = new CaseCrops?[cases.Count];
        Parallel.For(0, cases.Count, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount }, n =>
        {
            var c = cases[n];
            if (c.Subtype is null) return;
            var crops = source == ClassifierCropSource.Reference ? ReferenceCrops(c, metadata) : PerPhaseCrops(c, metadata);
            if (crops.Count > 0) result[n] = new CaseCrops(c.Id, RenalSubtypes.Names.ToList().IndexOf(c.Subtype), crops);
        });
        return result.Where(r => r is not null).Select(r => r!).ToArray();
    }

    private static Dictionary<string, LesionCrop> PerPhaseCrops(TrainingCase c, CheckpointMetadata metadata)
    {
        var crops = new Dictionary<string, LesionCrop>();
        foreach (var phase in c.Phases.Where(p => p.LabelsPath is not null))
        {
            var image = NiftiFile.Read(phase.ImagePath);
            var tumor = LargestTumor(NiftiFile.Read(phase.LabelsPath!));
            if (tumor is null) continue;
            var crop = LesionCrops.Crop(image, tumor, metadata.ClassifierCrop, metadata.Normalization);
            if (crop is not null) crops[phase.Phase] = crop;
        }
        return crops;
    }

    /// <summary>
    /// The inference path with the truth standing in for the predicted mask and for registration: the
    /// reference phase (P, else A, D, N, among phases with ground truth) gives the lesion mask and the
    /// slice; every other phase is translated so its largest tumor's centroid meets the reference's
    /// (the registration's starting point; breathing moves a lesion mostly as a whole) and sampled
    /// trilinearly onto the reference grid. Phases whose truth holds no tumor are left out.
    /// </summary>
    private static Dictionary<string, LesionCrop> ReferenceCrops(TrainingCase c, CheckpointMetadata metadata)
    {
        var crops = new Dictionary<string, LesionCrop>();
        var labelled = c.Phases.Where(p => p.LabelsPath is not null).ToDictionary(p => p.Phase, StringComparer.Ordinal);
        if (labelled.Count == 0) return crops;
        var referenceFiles = labelled[ReferencePhase.Choose(labelled.Keys, null)];
        var referenceImage = NiftiFile.Read(referenceFiles.ImagePath);
        var referenceTumor = LargestTumor(NiftiFile.Read(referenceFiles.LabelsPath!));
        if (referenceTumor is null) return crops;
        var grid = referenceImage.Geometry;
        var referenceCentroid = Centroid(referenceTumor, grid);
        var (k, _) = LesionCrops.LargestSlice(referenceTumor, grid.Size);
        var sliceMask = referenceTumor.AsSpan(k * grid.Size.I * grid.Size.J, grid.Size.I * grid.Size.J);
        // Only slice k is moved onto the reference grid: the crop needs nothing else.
        var slice = grid with { Size = grid.Size with { K = 1 }, Origin = grid.IndexToPhysical(0, 0, k) };
        foreach (var phase in labelled.Values)
        {
            LesionCrop? crop;
            if (phase == referenceFiles) crop = LesionCrops.CropSlice(referenceImage, referenceTumor, k, metadata.ClassifierCrop, metadata.Normalization);
            else
            {
                var labels = NiftiFile.Read(phase.LabelsPath!);
                var tumor = LargestTumor(labels);
                if (tumor is null) continue;
                var shift = Centroid(tumor, labels.Geometry) - referenceCentroid;
                var pixels = new float[slice.VoxelCount];
                PhaseWarp.SampleInto(NiftiFile.Read(phase.ImagePath), slice, new LpsAffine(Matrix3.Identity, shift), pixels);
                crop = LesionCrops.CropInSlice(Volume.FromVoxels<float>(slice, pixels), sliceMask, 0, metadata.ClassifierCrop, metadata.Normalization);
                if (crop is not null) crop = crop with { Box = crop.Box with { K = k } };
            }
            if (crop is not null) crops[phase.Phase] = crop;
        }
        return crops;
    }

    /// <summary>Mean LPS position of the mask's voxel centres (the mask is not empty).</summary>
    public static Vec3 Centroid(ReadOnlySpan<byte> mask, Geometry geometry)
    {
        var size = geometry.Size;
        double si = 0, sj = 0, sk = 0;
        long count = 0;
        for (int k = 0; k < size.K; k++)
            for (int j = 0; j < size.J; j++)
            {
                long row = size.Index(0, j, k);
                for (int i = 0; i < size.I; i++)
                    if (mask[(int)(row + i)] != 0) { si += i; sj += j; sk += k; count++; }
            }
        if (count == 0) throw new ArgumentException("the mask is empty: it has no centroid");
        return geometry.IndexToPhysical(si / count, sj / count, sk / count);
    }

    /// <summary>Mask (1 = voxel of the largest label-2 component) or null when there is no tumor.</summary>
    public static byte[]? LargestTumor(Volume labels)
    {
        var labeling = ConnectedComponents.Label(labels, v => v == KidneyLabels.Tumor, Connectivity.TwentySix);
        if (labeling.ComponentCount == 0) return null;
        return labeling.MaskOf(labeling.LabelsBySize()[0]);
    }
}
