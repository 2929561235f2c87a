using RenalGrpc.Engine.Analysis;
using RenalGrpc.Engine.Classification;
using RenalGrpc.Engine.Model;
using RenalGrpc.Engine.Preprocessing;
using RenalGrpc.Imaging;
using RenalGrpc.Imaging.Components;
using static TorchSharp.torch;

namespace RenalGrpc.Engine.Tests.Analysis;

/// <summary>
/// The edit loop's incremental re-diagnosis must give exactly what diagnosing the whole map gives,
/// and both exactly what the mask-based algorithm (whole-grid masks per lesion, before lesions were
/// kept as runs) gave: same ids, numbers to the last bit, same classification.
/// </summary>
public sealed class StudyDiagnoserUpdateTests
{
    private static readonly Geometry Grid = Geometry.Axial(new GridSize(40, 36, 12), new Vec3(0.8, 0.8, 2.5), new Vec3(-16, -14, -15));
    private static readonly GridSize Size = Grid.Size;

    private static LesionClassifier Classifier()
    {
        manual_seed(5);
        var network = new SubtypeClassifier(new SubtypeClassifierOptions { Widths = [4, 8], BlocksPerStage = [1, 1] });
        return new LesionClassifier(network, new CropOptions { Size = 16 }, IntensityNormalization.Paper);
    }

    private static AlignedStudy Aligned()
    {
        var random = new Random(11);
        var images = new Dictionary<string, Volume>(StringComparer.Ordinal);
        foreach (var phase in new[] { "N", "A", "P", "D" })
        {
            var values = new float[Size.VoxelCount];
            for (int n = 0; n < values.Length; n++) values[n] = (float)(random.NextDouble() * 300 - 50);
            images[phase] = Volume.FromVoxels<float>(Grid, values);
        }
        return new AlignedStudy("P", Grid, images, []);
    }

    private static void Ball(byte[] labels, int ci, int cj, int ck, double radiusVoxels, byte value, bool onlyOver = false, byte over = 0)
    {
        for (int k = 0; k < Size.K; k++)
            for (int j = 0; j < Size.J; j++)
                for (int i = 0; i < Size.I; i++)
                {
                    double di = i - ci, dj = j - cj, dk = (k - ck) * 3.0;
                    if (di * di + dj * dj + dk * dk > radiusVoxels * radiusVoxels) continue;
                    int at = (int)Size.Index(i, j, k);
                    if (!onlyOver || labels[at] == over) labels[at] = value;
                }
    }

    private static byte[] Start()
    {
        var labels = new byte[Size.VoxelCount];
        Ball(labels, 20, 18, 6, 15, 1);          // kidney
        Ball(labels, 10, 10, 5, 4, 2);           // tumor A
        Ball(labels, 20, 10, 5, 3, 2);           // tumor B, close to A
        Ball(labels, 30, 26, 7, 4, 3);           // cyst
        Ball(labels, 8, 28, 2, 2, 2);            // small tumor
        return labels;
    }

    /// <summary>Scripted edits: erase part, merge, split, a new far lesion, remove the cyst, cyst over tumor, a no-op, a huge box.</summary>
    private static IEnumerable<Action<byte[]>> ScriptedEdits()
    {
        yield return l => Ball(l, 10, 10, 5, 2, 1, onlyOver: true, over: 2);
        yield return l => Ball(l, 15, 10, 5, 2.5, 2);
        yield return l => { for (int k = 0; k < Size.K; k++) for (int j = 0; j < Size.J; j++) l[Size.Index(15, j, k)] = 1; };
        yield return l => Ball(l, 33, 5, 9, 2, 2);
        yield return l => Ball(l, 30, 26, 7, 5, 1, onlyOver: true, over: 3);
        yield return l => Ball(l, 20, 10, 5, 1.5, 3);
        yield return l => Ball(l, 30, 26, 7, 5, 1, onlyOver: true, over: 3);
        yield return l => { for (int n = 0; n < l.Length / 2; n++) if (l[n] == 1 && n % 5 == 0) l[n] = 2; };
    }

    public static TheoryData<Connectivity> Connectivities() => new() { Connectivity.Six, Connectivity.TwentySix };

    [Theory]
    [MemberData(nameof(Connectivities))]
    public void UpdatesEqualTheWholeMapAndTheMaskBasedDiagnosisAfterEveryEdit(Connectivity connectivity)
    {
        var classifier = Classifier();
        var aligned = Aligned();
        var labels = Start();
        var state = StudyDiagnoser.DiagnoseWithVoxels(aligned, Labels(labels), classifier, connectivity, CancellationToken.None);
        AssertSame(Oracle(aligned, labels, classifier, connectivity), state.Diagnosis);

        var random = new Random(3);
        var edits = ScriptedEdits().Concat(Enumerable.Range(0, 12).Select(_ => RandomBox(random)));
        foreach (var edit in edits)
        {
            var before = (byte[])labels.Clone();
            edit(labels);
            state = StudyDiagnoser.Update(aligned, Labels(labels), state, ChangedBox(before, labels), classifier, connectivity, CancellationToken.None);
            var whole = StudyDiagnoser.DiagnoseWithVoxels(aligned, Labels(labels), classifier, connectivity, CancellationToken.None);
            AssertSame(Oracle(aligned, labels, classifier, connectivity), state.Diagnosis);
            AssertSame(whole.Diagnosis, state.Diagnosis);
            Assert.Equal(whole.LesionVoxels.Count, state.LesionVoxels.Count);
            for (int n = 0; n < whole.LesionVoxels.Count; n++)
            {
                Assert.Equal(whole.LesionVoxels[n].Starts.ToArray(), state.LesionVoxels[n].Starts.ToArray());
                Assert.Equal(whole.LesionVoxels[n].Lengths.ToArray(), state.LesionVoxels[n].Lengths.ToArray());
            }
        }
    }

    [Fact]
    public void LesionsTheEditDoesNotReachAreReusedNotRecomputed()
    {
        var classifier = Classifier();
        var aligned = Aligned();
        var labels = Start();
        var state = StudyDiagnoser.DiagnoseWithVoxels(aligned, Labels(labels), classifier, Connectivity.TwentySix, CancellationToken.None);
        var before = (byte[])labels.Clone();
        Ball(labels, 10, 10, 5, 2, 1, onlyOver: true, over: 2); // inside tumor A only
        var next = StudyDiagnoser.Update(aligned, Labels(labels), state, ChangedBox(before, labels), classifier, Connectivity.TwentySix, CancellationToken.None);

        var touched = next.Diagnosis.Lesions.Where(l => l.BoundingBox.I0 <= 10 && l.BoundingBox.I1 > 10 && l.BoundingBox.J0 <= 10 && l.BoundingBox.J1 > 10).ToList();
        Assert.Single(touched);
        foreach (var lesion in next.Diagnosis.Lesions.Except(touched))
        {
            // The same dictionary object: taken over from the previous diagnosis, not measured again.
            Assert.Contains(state.Diagnosis.Lesions, old => ReferenceEquals(old.MeanHu, lesion.MeanHu));
        }
        Assert.DoesNotContain(state.Diagnosis.Lesions, old => ReferenceEquals(old.MeanHu, touched[0].MeanHu));
        // Nothing changed: the previous diagnosis as it is.
        Assert.Same(next, StudyDiagnoser.Update(aligned, Labels(labels), next, VoxelBounds.Empty, classifier, Connectivity.TwentySix, CancellationToken.None));
    }

    private static Action<byte[]> RandomBox(Random random)
    {
        int i0 = random.Next(Size.I - 4), j0 = random.Next(Size.J - 4), k0 = random.Next(Size.K - 2);
        int si = random.Next(1, 6), sj = random.Next(1, 6), sk = random.Next(1, 3);
        var values = Enumerable.Range(0, si * sj * sk).Select(_ => (byte)random.Next(4)).ToArray();
        return l =>
        {
            int n = 0;
            for (int k = k0; k < k0 + sk; k++)
                for (int j = j0; j < j0 + sj; j++)
                    for (int i = i0; i < i0 + si; i++) l[Size.Index(i, j, k)] = values[n++];
        };
    }

    private static Volume Labels(byte[] labels) => new(Grid, VoxelType.UInt8, (byte[])labels.Clone());

    private static VoxelBounds ChangedBox(byte[] before, byte[] after)
    {
        int i0 = int.MaxValue, j0 = int.MaxValue, k0 = int.MaxValue, i1 = -1, j1 = -1, k1 = -1;
        for (int n = 0; n < before.Length; n++)
        {
            if (before[n] == after[n]) continue;
            int i = n % Size.I, j = n / Size.I % Size.J, k = n / (Size.I * Size.J);
            (i0, i1, j0, j1, k0, k1) = (Math.Min(i0, i), Math.Max(i1, i), Math.Min(j0, j), Math.Max(j1, j), Math.Min(k0, k), Math.Max(k1, k));
        }
        return i1 < 0 ? VoxelBounds.Empty : new VoxelBounds(i0, j0, k0, i1 + 1, j1 + 1, k1 + 1);
    }

    /// <summary>The diagnosis as it was computed before lesions were kept as runs: whole-grid masks per lesion.</summary>
    private static StudyDiagnosis Oracle(AlignedStudy aligned, byte[] labels, LesionClassifier classifier, Connectivity connectivity)
    {
        var found = new List<(int Label, ComponentLabeling Components, ComponentMeasurement Measurement)>();
        foreach (int label in new[] { KidneyLabels.Tumor, KidneyLabels.Cyst })
        {
            var components = ConnectedComponents.Label(SegmentationPostprocessing.Mask(labels, label), Size, connectivity);
            foreach (var m in LesionMeasurements.Measure(components, Grid)) found.Add((label, components, m));
        }
        var ordered = found.OrderByDescending(f => f.Measurement.VoxelCount).ThenBy(f => f.Label).ThenBy(f => f.Measurement.Label).ToList();
        var lesions = new List<LesionDiagnosis>();
        foreach (var (label, components, measurement) in ordered)
        {
            var mask = components.MaskOf(measurement.Label);
            var voxels = Enumerable.Range(0, mask.Length).Where(n => mask[n] != 0).ToArray();
            var box = (voxels.Min(n => n % Size.I), voxels.Min(n => n / Size.I % Size.J), voxels.Min(n => n / (Size.I * Size.J)),
                voxels.Max(n => n % Size.I) + 1, voxels.Max(n => n / Size.I % Size.J) + 1, voxels.Max(n => n / (Size.I * Size.J)) + 1);
            var meanHu = new SortedDictionary<string, double>(StringComparer.Ordinal);
            foreach (var (phase, image) in aligned.ImagesOnReference)
            {
                double sum = 0;
                foreach (int n in voxels) sum += image.Voxels<float>()[n];
                meanHu[phase] = sum / voxels.Length;
            }
            IReadOnlyList<double> probabilities = label == KidneyLabels.Tumor ? classifier.Classify(aligned.ImagesOnReference, mask)?.Probabilities ?? [] : [];
            lesions.Add(new LesionDiagnosis(lesions.Count + 1, label, measurement.VolumeMl, measurement.LargestDiameterMm, measurement.Side,
                measurement.Centroid, box, meanHu, probabilities));
        }
        return new StudyDiagnosis(aligned.ReferencePhase, lesions, StudyDiagnoser.Verdict(lesions));
    }

    private static void AssertSame(StudyDiagnosis expected, StudyDiagnosis actual)
    {
        Assert.Equal(expected.Verdict, actual.Verdict);
        Assert.Equal(expected.ReferencePhase, actual.ReferencePhase);
        Assert.Equal(expected.Lesions.Count, actual.Lesions.Count);
        foreach (var (e, a) in expected.Lesions.Zip(actual.Lesions))
        {
            Assert.Equal(e with { MeanHu = a.MeanHu, SubtypeProbabilities = a.SubtypeProbabilities }, a);
            Assert.Equal(e.MeanHu.OrderBy(p => p.Key), a.MeanHu.OrderBy(p => p.Key));
            Assert.Equal(e.SubtypeProbabilities, a.SubtypeProbabilities);
        }
    }
}
