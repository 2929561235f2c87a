using RenalGrpc.Engine.Preprocessing;
using RenalGrpc.Imaging;
using RenalGrpc.Imaging.Nifti;
using RenalGrpc.Imaging.Resampling;

namespace RenalGrpc.Training.Data;

/// <summary>
/// One phase resampled to the model spacing, normalised like inference input, with its labels
/// resampled (nearest) onto the same grid. Shape is (z, y, x) = (k, j, i).
/// </summary>
public sealed record ModelGridPhase(string CaseId, string Phase, int[] Shape, float[] Image, byte[] Labels)
{
    /// <summary>Reads and preprocesses one phase exactly as <see cref="PhasePreprocessor"/> does at inference (minus padding).</summary>
    public static ModelGridPhase Load(string caseId, CasePhaseFiles files, Vec3 modelSpacing, IntensityNormalization normalization)
    {
        if (files.LabelsPath is null)
            throw new ImagingException($"case {caseId} phase {files.Phase} has no ground truth (segmentation_{files.Phase}.nii.gz)");
        var image = NiftiFile.Read(files.ImagePath);
        var labels = NiftiFile.Read(files.LabelsPath);
        if (!labels.Geometry.IsSameGrid(image.Geometry, 1e-2, 1e-4))
            throw new ImagingException($"case {caseId} phase {files.Phase}: labels grid {labels.Geometry} differs from image grid {image.Geometry}");

        var normalized = image.ToFloatArray();
        for (int n = 0; n < normalized.Length; n++) normalized[n] = normalization.Apply(normalized[n]);
        var floats = Volume.FromVoxels<float>(image.Geometry, normalized);
        var resampled = VolumeResampler.ToSpacing(floats, modelSpacing, Interpolation.Linear);
        var labelsOnGrid = LabelResampler.Resample(ToUInt8(labels), resampled.Geometry);
        var size = resampled.Geometry.Size;
        return new ModelGridPhase(caseId, files.Phase, new[] { size.K, size.J, size.I },
            resampled.Voxels<float>().ToArray(), labelsOnGrid.Buffer);
    }

    private static Volume ToUInt8(Volume labels)
    {
        if (labels.VoxelType == VoxelType.UInt8) return labels;
        var values = labels.ToFloatArray();
        var bytes = new byte[values.Length];
        for (int n = 0; n < values.Length; n++)
        {
            float v = values[n];
            if (v < 0 || v > 3 || v != MathF.Floor(v)) throw new ImagingException($"label value {v} is not one of 0..3");
            bytes[n] = (byte)v;
        }
        return new Volume(labels.Geometry, VoxelType.UInt8, bytes);
    }

    public long VoxelCount => Image.LongLength;
}
