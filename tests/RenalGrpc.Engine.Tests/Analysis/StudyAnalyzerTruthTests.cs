using RenalGrpc.Engine.Analysis;
using RenalGrpc.Engine.Registration;
using RenalGrpc.Imaging;
using RenalGrpc.Imaging.Components;
using Xunit.Abstractions;

namespace RenalGrpc.Engine.Tests.Analysis;

/// <summary>One Analyze of the 128 x 128 x 40 generated case with stage 1 replaced by its ground truth.</summary>
public sealed class TruthAnalysis : IDisposable
{
    private readonly string folder = Path.Combine(Path.GetTempPath(), "renal-truth-" + Guid.NewGuid().ToString("N"));

    public TruthAnalysis()
    {
        Study = AnalysisFixture.Small;
        AnalysisFixture.SaveRandomCheckpoint(folder, [2.5, 2.5, 5.0], [16, 32, 32]);
        Analyzer = StudyAnalyzer.Load(folder, segmenter: new TruthSegmenter(Study.Truth));
        // For tests about which phases go where rather than how well they line up: 10 Adam steps.
        Fast = StudyAnalyzer.Load(folder, new StudyAnalyzerSettings
        {
            Alignment = new AlignmentOptions { Registration = new MaskRegistrationOptions { Steps = 10 } },
        }, new TruthSegmenter(Study.Truth));
        var clock = System.Diagnostics.Stopwatch.StartNew();
        Result = Analyzer.Analyze(Study.Images, new AnalysisOptions(), null, CancellationToken.None);
        Seconds = clock.Elapsed.TotalSeconds;
    }

    internal PhantomStudy Study { get; }
    internal StudyAnalyzer Analyzer { get; }
    internal StudyAnalyzer Fast { get; }
    internal StudyAnalysis Result { get; }
    internal double Seconds { get; }

    public void Dispose()
    {
        Analyzer.Dispose();
        Fast.Dispose();
        if (Directory.Exists(folder)) Directory.Delete(folder, recursive: true);
    }
}

public sealed class StudyAnalyzerTruthTests(TruthAnalysis analysis, ITestOutputHelper output) : IClassFixture<TruthAnalysis>
{
    [Fact]
    public void LesionsMatchTheReferencePhaseTruth()
    {
        var result = analysis.Result;
        var truth = analysis.Study.Truth["P"];
        output.WriteLine($"Analyze with ground-truth segmentation: {analysis.Seconds:F1} s; verdict: {result.Diagnosis.Verdict}");
        foreach (var t in result.Timings) output.WriteLine($"  {t.Stage} {t.Phase}: {t.Seconds:F2} s");
        foreach (var a in result.Aligned.Alignments) output.WriteLine($"  registration grid of {a.Phase}: {a.RegistrationGrid?.Size}");
        var expected = new List<(int Label, double Ml)>();
        foreach (int label in new[] { KidneyLabels.Tumor, KidneyLabels.Cyst })
        {
            var components = ConnectedComponents.Label(SegmentationPostprocessing.Mask(truth.Voxels<byte>(), label), truth.Size, Connectivity.TwentySix);
            for (int c = 1; c <= components.ComponentCount; c++) expected.Add((label, components.VoxelCount(c) * truth.Geometry.VoxelVolumeMl));
        }
        var lesions = result.Diagnosis.Lesions;
        foreach (var l in lesions)
            output.WriteLine($"lesion {l.Id}: label {l.Label}, {l.VolumeMl:F1} ml, {l.LargestDiameterMm:F1} mm, {l.Side}, HU {string.Join(" ", l.MeanHu.Select(h => $"{h.Key}={h.Value:F0}"))}, p [{string.Join(", ", l.SubtypeProbabilities.Select(p => p.ToString("F2")))}]");
        Assert.Equal(expected.Count, lesions.Count);
        Assert.Equal(Enumerable.Range(1, lesions.Count), lesions.Select(l => l.Id));
        Assert.True(lesions.Zip(lesions.Skip(1)).All(p => p.First.VolumeMl >= p.Second.VolumeMl), "largest first");
        foreach (var (label, ml) in expected.OrderByDescending(e => e.Ml))
            Assert.Contains(lesions, l => l.Label == label && Math.Abs(l.VolumeMl - ml) < 1e-6);

        // The case has one tumor of at least 3.4 cm and one cyst on the other side.
        var spec = analysis.Study.Spec;
        var specTumor = spec.Lesions.Single(l => !l.IsCyst);
        var tumor = Assert.Single(lesions, l => l.Label == KidneyLabels.Tumor);
        var cyst = Assert.Single(lesions, l => l.Label == KidneyLabels.Cyst);
        Assert.Equal(specTumor.Side == Phantom.KidneySide.Left ? PatientSide.Left : PatientSide.Right, tumor.Side);
        Assert.InRange(tumor.LargestDiameterMm, 1.5 * specTumor.Radius, 3 * specTumor.BoundingRadius);
        Assert.Equal(5, tumor.SubtypeProbabilities.Count);
        Assert.Equal(1, tumor.SubtypeProbabilities.Sum(), 5);
        Assert.Empty(cyst.SubtypeProbabilities);
        Assert.Equal(0, cyst.MalignancyProbability);
        Assert.StartsWith($"{tumor.Side.ToString().ToLowerInvariant()} renal mass ", result.Diagnosis.Verdict);
        Assert.Contains($"most likely {tumor.PredictedSubtype}", result.Diagnosis.Verdict);

        // Aligned phases read the lesions' own tissue: a ccRCC enhances strongly in A, a simple cyst never does.
        Assert.Equal(new[] { "A", "D", "N", "P" }, tumor.MeanHu.Keys.Order());
        Assert.True(tumor.MeanHu["A"] > tumor.MeanHu["N"] + 50, $"tumor A {tumor.MeanHu["A"]:F0} vs N {tumor.MeanHu["N"]:F0} HU");
        Assert.All(cyst.MeanHu.Values, hu => Assert.InRange(hu, -30, 70));
    }

    [Fact]
    public void RegistrationRecoversThePhaseMotion()
    {
        var result = analysis.Result;
        var study = analysis.Study;
        var referenceTruth = study.Truth["P"];
        var tumorCentre = result.Diagnosis.LargestTumor!.CentroidLps;
        foreach (var alignment in result.Aligned.Alignments)
        {
            Assert.Null(alignment.Note);
            var map = alignment.ReferenceToPhaseLps!;
            var warped = PhaseWarp.Labels(study.Truth[alignment.Phase], referenceTruth.Geometry, map);
            var unaligned = PhaseWarp.Labels(study.Truth[alignment.Phase], referenceTruth.Geometry, LpsAffine.Identity);
            double tumorDice = AnalysisFixture.Dice(warped, referenceTruth, KidneyLabels.Tumor);
            double before = AnalysisFixture.Dice(unaligned, referenceTruth, KidneyLabels.Tumor);
            var error = map.Apply(tumorCentre) - AnalysisFixture.TrueReferenceToPhase(study.Spec, "P", alignment.Phase, tumorCentre);
            output.WriteLine($"{alignment.Phase}: soft Dice {alignment.InitialDice:F3} -> {alignment.FinalDice:F3}; tumor Dice without alignment {before:F3}, aligned {tumorDice:F3}; error at the tumor centre {error.Length:F2} mm");
            Assert.True(tumorDice > 0.8, $"phase {alignment.Phase}: tumor Dice {tumorDice:F3}");
            Assert.True(alignment.FinalDice >= alignment.InitialDice);
            Assert.True(error.Length < 3, $"phase {alignment.Phase}: {error.Length:F2} mm off the true motion at the tumor");
        }
    }

    [Fact]
    public void ClassificationDoesNotDependOnTheOrderPhasesAreGivenIn()
    {
        var aligned = analysis.Result.Aligned;
        var reversed = aligned with
        {
            ImagesOnReference = aligned.ImagesOnReference.Reverse().ToDictionary(p => p.Key, p => p.Value),
        };
        var again = analysis.Analyzer.Diagnose(reversed, analysis.Result.Labels, CancellationToken.None);
        Assert.Equal(analysis.Result.Diagnosis.Lesions.Select(l => l.SubtypeProbabilities),
            again.Lesions.Select(l => l.SubtypeProbabilities));

        // The whole pipeline with the phases handed over in another order.
        var images = analysis.Study.Images;
        var ordered = analysis.Fast.Analyze(images, new AnalysisOptions(), null, CancellationToken.None);
        var shuffled = new[] { "D", "N", "P", "A" }.ToDictionary(p => p, p => images[p]);
        var second = analysis.Fast.Analyze(shuffled, new AnalysisOptions(), null, CancellationToken.None);
        Assert.Equal(ordered.Labels.Buffer, second.Labels.Buffer);
        Assert.Equal(ordered.Diagnosis.Lesions.Select(l => l.SubtypeProbabilities), second.Diagnosis.Lesions.Select(l => l.SubtypeProbabilities));
        Assert.Equal(ordered.Diagnosis.Verdict, second.Diagnosis.Verdict);
    }

    [Fact]
    public void DiagnoseRemeasuresEditedLabelsWithoutSegmenting()
    {
        var result = analysis.Result;
        var edited = result.Labels.Voxels<byte>().ToArray();
        for (int n = 0; n < edited.Length; n++) if (edited[n] == KidneyLabels.Cyst) edited[n] = KidneyLabels.Kidney;
        var diagnosis = analysis.Analyzer.Diagnose(result.Aligned, new Volume(result.Labels.Geometry, VoxelType.UInt8, edited), CancellationToken.None);
        Assert.DoesNotContain(diagnosis.Lesions, l => l.Label == KidneyLabels.Cyst);
        Assert.Equal(result.Diagnosis.LargestTumor!.SubtypeProbabilities, diagnosis.LargestTumor!.SubtypeProbabilities);
        Assert.Equal(result.Diagnosis.Verdict, diagnosis.Verdict);
        var wrongGrid = new Volume(analysis.Study.Truth["A"].Geometry, VoxelType.UInt8, analysis.Study.Truth["A"].Buffer);
        Assert.Throws<ArgumentException>(() => analysis.Analyzer.Diagnose(result.Aligned, wrongGrid, CancellationToken.None));
    }

    [Fact]
    public void ReferencePhaseFollowsTheAvailablePhases()
    {
        var images = analysis.Study.Images;
        var withoutContrast = analysis.Fast.Analyze(new Dictionary<string, Volume> { ["N"] = images["N"], ["D"] = images["D"] },
            new AnalysisOptions(), null, CancellationToken.None);
        Assert.Equal("D", withoutContrast.Aligned.ReferencePhase);
        Assert.True(withoutContrast.Labels.Geometry.IsSameGrid(images["D"].Geometry, 0, 0));
        Assert.Equal("N", Assert.Single(withoutContrast.Aligned.Alignments).Phase);

        var onlyN = analysis.Fast.Analyze(new Dictionary<string, Volume> { ["N"] = images["N"] }, new AnalysisOptions(), null, CancellationToken.None);
        Assert.Equal("N", onlyN.Aligned.ReferencePhase);
        Assert.Empty(onlyN.Aligned.Alignments);
        Assert.Equal(5, onlyN.Diagnosis.LargestTumor!.SubtypeProbabilities.Count);
    }
}
