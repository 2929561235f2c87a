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
/// the largest. The study verdict is the largest tumor's. Lesions are kept as runs
/// (<see cref="ComponentRuns"/>), so after an edit <see cref="Update"/> re-finds and re-measures only
/// the lesions the edit touched and reuses the rest: a lesion's numbers depend only on its own voxels.
/// </summary>
public static class StudyDiagnoser
{
    /// <summary>Above this share of the grid an edit's box is re-diagnosed whole (filling would visit most of the grid anyway).</summary>
    public const double WholeMapShare = 0.25;

    public static StudyDiagnosis Diagnose(AlignedStudy aligned, Volume labels, LesionClassifier classifier,
        Connectivity connectivity, CancellationToken cancellationToken) =>
        DiagnoseWithVoxels(aligned, labels, classifier, connectivity, cancellationToken).Diagnosis;

    /// <summary>The whole map's diagnosis with every lesion's voxels (for later <see cref="Update"/> calls).</summary>
    public static DiagnosedLabels DiagnoseWithVoxels(AlignedStudy aligned, Volume labels, LesionClassifier classifier,
        Connectivity connectivity, CancellationToken cancellationToken)
    {
        CheckInputs(aligned, labels, classifier);
        var found = new List<Found>();
        foreach (int label in LesionLabels)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var components = ConnectedComponents.Label(SegmentationPostprocessing.Mask(labels.Voxels<byte>(), label), labels.Size, connectivity);
            foreach (var voxels in ComponentRuns.Split(components)) found.Add(Measure(aligned, label, voxels, classifier, cancellationToken));
        }
        return Assemble(aligned.ReferencePhase, found);
    }

    /// <summary>
    /// The diagnosis of <paramref name="labels"/>, which differ from the labels <paramref name="previous"/>
    /// diagnosed only inside <paramref name="changed"/>. Equal to <see cref="DiagnoseWithVoxels"/>:
    /// a lesion with no voxel in or next to the box (the box grown by one voxel) keeps its voxels,
    /// since no changed voxel can touch it, so its measurements and classification are reused; every
    /// other lesion, old or new, reaches into the grown box and is re-found there by a flood fill
    /// (<see cref="ComponentFill"/>). Falls back to the whole map when <paramref name="previous"/> has
    /// no voxels or the box is large.
    /// </summary>
    public static DiagnosedLabels Update(AlignedStudy aligned, Volume labels, DiagnosedLabels previous, VoxelBounds changed,
        LesionClassifier classifier, Connectivity connectivity, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(previous);
        CheckInputs(aligned, labels, classifier);
        var size = labels.Size;
        if (!previous.HasLesionVoxels || previous.LesionVoxels.Any(v => v.Size != size))
            return DiagnoseWithVoxels(aligned, labels, classifier, connectivity, cancellationToken);
        if (changed.IsEmpty) return previous;
        // One voxel of margin: a voxel next to the box is a neighbour of a changed voxel for 6 and 26 connectivity.
        var reach = changed.Grow(1, size);
        if (reach.VoxelCount > WholeMapShare * size.VoxelCount)
            return DiagnoseWithVoxels(aligned, labels, classifier, connectivity, cancellationToken);

        var found = new List<Found>();
        for (int n = 0; n < previous.Diagnosis.Lesions.Count; n++)
        {
            var voxels = previous.LesionVoxels[n];
            if (!voxels.HasVoxelIn(reach)) found.Add(new Found(previous.Diagnosis.Lesions[n], voxels));
        }
        foreach (int label in LesionLabels)
        {
            cancellationToken.ThrowIfCancellationRequested();
            foreach (var voxels in ComponentFill.Touching(labels.Buffer, size, (byte)label, reach, connectivity))
                found.Add(Measure(aligned, label, voxels, classifier, cancellationToken));
        }
        return Assemble(aligned.ReferencePhase, found);
    }

    private static readonly int[] LesionLabels = [KidneyLabels.Tumor, KidneyLabels.Cyst];

    /// <summary>A lesion before it has its id (Id 0 until <see cref="Assemble"/> numbers them).</summary>
    private sealed record Found(LesionDiagnosis Lesion, ComponentRuns Voxels);

    private static void CheckInputs(AlignedStudy aligned, Volume labels, LesionClassifier classifier)
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
    }

    /// <summary>One lesion's measurements, mean HU per phase and (tumors) subtype probabilities.</summary>
    private static Found Measure(AlignedStudy aligned, int label, ComponentRuns voxels, LesionClassifier classifier, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var measurement = LesionMeasurements.Measure(voxels, label, aligned.ReferenceGrid);
        var b = voxels.Bounds;
        var meanHu = new SortedDictionary<string, double>(StringComparer.Ordinal);
        var covering = PhaseCoverage.Covering(aligned.ImagesOnReference, voxels);
        foreach (var (phase, image) in covering)
            meanHu[phase] = voxels.MeanOf(image.VoxelType == VoxelType.Float32 ? image.Voxels<float>() : image.ToFloatArray());
        IReadOnlyList<double> probabilities = label == KidneyLabels.Tumor
            ? classifier.Classify(covering, voxels)?.Probabilities ?? []
            : [];
        var lesion = new LesionDiagnosis(0, label, measurement.VolumeMl, measurement.LargestDiameterMm, measurement.Side,
            measurement.Centroid, (b.I0, b.J0, b.K0, b.I1, b.J1, b.K1), meanHu, probabilities);
        return new Found(lesion, voxels);
    }

    /// <summary>Largest first; ties (equal voxel counts) by label then raster order of the first voxel, so ids are deterministic.</summary>
    private static DiagnosedLabels Assemble(string referencePhase, List<Found> found)
    {
        var ordered = found.OrderByDescending(f => f.Voxels.VoxelCount).ThenBy(f => f.Lesion.Label).ThenBy(f => f.Voxels.FirstIndex).ToList();
        var lesions = ordered.Select((f, n) => f.Lesion with { Id = n + 1 }).ToList();
        return new DiagnosedLabels(new StudyDiagnosis(referencePhase, lesions, Verdict(lesions)), ordered.Select(f => f.Voxels).ToList());
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
}
