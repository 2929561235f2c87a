using System.Globalization;
using RenalGrpc.Engine.Classification;
using RenalGrpc.Imaging;
using RenalGrpc.Imaging.Components;

namespace RenalGrpc.Engine.Analysis;

/// <summary>
/// Measures and classifies every lesion of reference-grid labels: each connected component of
/// label 2 (tumor) and of label 3 (cyst) is one lesion, with volume, largest diameter, side,
/// centroid, voxel bounding box and the mean HU of every aligned phase. Tumors get subtype
/// probabilities from <see cref="LesionClassifier"/>; cysts none. Lesions are numbered 1.. from
/// the largest. The study verdict is the largest tumor's.
/// </summary>
public static class StudyDiagnoser
{
    public static StudyDiagnosis Diagnose(AlignedStudy aligned, Volume labels, LesionClassifier classifier,
        Connectivity connectivity, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(aligned);
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentNullException.ThrowIfNull(classifier);
        if (labels.VoxelType != VoxelType.UInt8) throw new ArgumentException($"labels must be uint8, got {labels.VoxelType}");
        if (!labels.Geometry.IsSameGrid(aligned.ReferenceGrid))
            throw new ArgumentException($"labels ({labels.Geometry}) are not on the reference grid ({aligned.ReferenceGrid})");
        foreach (var (phase, image) in aligned.ImagesOnReference)
        {
            if (!image.Geometry.IsSameGrid(aligned.ReferenceGrid))
                throw new ArgumentException($"the aligned image of phase {phase} is not on the reference grid");
        }

        var grid = labels.Geometry;
        var found = new List<(int Label, ComponentLabeling Components, ComponentMeasurement Measurement, int Component)>();
        foreach (int label in new[] { KidneyLabels.Tumor, KidneyLabels.Cyst })
        {
            cancellationToken.ThrowIfCancellationRequested();
            var components = ConnectedComponents.Label(SegmentationPostprocessing.Mask(labels.Voxels<byte>(), label), grid.Size, connectivity);
            foreach (var m in LesionMeasurements.Measure(components, grid)) found.Add((label, components, m, m.Label));
        }
        // Largest first; ties (equal voxel counts) by label then raster order, so ids are deterministic.
        var ordered = found.OrderByDescending(f => f.Measurement.VoxelCount).ThenBy(f => f.Label).ThenBy(f => f.Component).ToList();

        var lesions = new List<LesionDiagnosis>(ordered.Count);
        for (int n = 0; n < ordered.Count; n++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var (label, components, measurement, component) = ordered[n];
            var mask = components.MaskOf(component);
            var box = VoxelBox(components, component);
            var meanHu = new SortedDictionary<string, double>(StringComparer.Ordinal);
            foreach (var (phase, image) in aligned.ImagesOnReference) meanHu[phase] = MeanInside(image, mask);
            IReadOnlyList<double> probabilities = label == KidneyLabels.Tumor
                ? classifier.Classify(aligned.ImagesOnReference, mask)?.Probabilities ?? []
                : [];
            lesions.Add(new LesionDiagnosis(n + 1, label, measurement.VolumeMl, measurement.LargestDiameterMm, measurement.Side,
                measurement.Centroid, box, meanHu, probabilities));
        }
        return new StudyDiagnosis(aligned.ReferencePhase, lesions, Verdict(lesions));
    }

    /// <summary>"left renal mass 4.2 cm, most likely ccRCC (p=0.71)", or what there is when there is no tumor.</summary>
    public static string Verdict(IReadOnlyList<LesionDiagnosis> lesions)
    {
        ArgumentNullException.ThrowIfNull(lesions);
        var tumor = lesions.Where(l => l.Label == KidneyLabels.Tumor).MaxBy(l => l.VolumeMl);
        int cysts = lesions.Count(l => l.Label == KidneyLabels.Cyst);
        if (tumor is null)
        {
            return cysts == 0
                ? "no renal mass found"
                : string.Create(CultureInfo.InvariantCulture, $"no solid renal mass found; {cysts} simple cyst{(cysts == 1 ? "" : "s")}");
        }
        string side = tumor.Side switch { PatientSide.Left => "left", PatientSide.Right => "right", _ => "midline" };
        string text = string.Create(CultureInfo.InvariantCulture, $"{side} renal mass {tumor.LargestDiameterMm / 10:F1} cm");
        if (tumor.SubtypeProbabilities.Count > 0)
        {
            double p = tumor.SubtypeProbabilities.Max();
            text += string.Create(CultureInfo.InvariantCulture, $", most likely {tumor.PredictedSubtype} (p={p:F2})");
        }
        int others = lesions.Count(l => l.Label == KidneyLabels.Tumor) - 1;
        if (others > 0) text += string.Create(CultureInfo.InvariantCulture, $"; {others} more mass{(others == 1 ? "" : "es")}");
        return text;
    }

    private static double MeanInside(Volume image, byte[] mask)
    {
        ReadOnlySpan<float> values = image.VoxelType == VoxelType.Float32 ? image.Voxels<float>() : image.ToFloatArray();
        double sum = 0;
        long count = 0;
        for (int n = 0; n < mask.Length; n++)
        {
            if (mask[n] == 0) continue;
            sum += values[n];
            count++;
        }
        return count == 0 ? double.NaN : sum / count;
    }

    private static (int I0, int J0, int K0, int I1, int J1, int K1) VoxelBox(ComponentLabeling components, int component)
    {
        var size = components.Size;
        int i0 = int.MaxValue, j0 = int.MaxValue, k0 = int.MaxValue, i1 = -1, j1 = -1, k1 = -1;
        var labels = components.Labels;
        for (int n = 0; n < labels.Length; n++)
        {
            if (labels[n] != component) continue;
            int i = n % size.I, j = n / size.I % size.J, k = n / (size.I * size.J);
            i0 = Math.Min(i0, i); i1 = Math.Max(i1, i);
            j0 = Math.Min(j0, j); j1 = Math.Max(j1, j);
            k0 = Math.Min(k0, k); k1 = Math.Max(k1, k);
        }
        // Half-open (end = one past the last voxel), like renal.v1.VoxelBox's start + size.
        return (i0, j0, k0, i1 + 1, j1 + 1, k1 + 1);
    }
}
