using RenalGrpc.Engine.Analysis;
using RenalGrpc.Engine.Checkpoints;
using RenalGrpc.Engine.Model;
using RenalGrpc.Engine.Registration;
using RenalGrpc.Engine.Preprocessing;
using RenalGrpc.Imaging;
using RenalGrpc.Imaging.Components;
using static TorchSharp.torch;

namespace RenalGrpc.Engine.Tests.Analysis;

/// <summary>
/// The kidney-ROI stage's geometry and merge rules, with a network whose answer is known: all
/// weights zero and a head bias that makes every voxel of the box "tumor".
/// </summary>
public sealed class KidneyRoiRefinementTests
{
    private static readonly Vec3 ModelSpacing = new(2.5, 2.5, 5.0);
    private static readonly Geometry Reference = Geometry.Axial(new GridSize(64, 64, 24), ModelSpacing, new Vec3(-80, -60, -40));

    // Kidney voxels i 10..30, j 20..44, k 3..19 (odd extents, so the box centre is a voxel centre); a cyst inside it.
    private static readonly VoxelBounds KidneyBox = new(10, 20, 3, 31, 45, 20);
    private static readonly VoxelBounds CystBox = new(18, 30, 9, 22, 34, 13);

    internal static readonly RoiRefinementOptions Options = new()
    {
        Network = new SegmentationUNetOptions
        {
            InputChannels = 4,
            Features = new[] { 4, 8 },
            Strides = new[] { new[] { 1, 1, 1 }, new[] { 1, 2, 2 } },
        },
        CropShape = new[] { 8, 16, 16 },
        MinLesionMl = 0.3,
    };

    /// <summary>A ROI network that answers <paramref name="label"/> everywhere (its logit <paramref name="logit"/>, the others 0).</summary>
    internal static SegmentationUNet ConstantNetwork(int label, float logit = 10f)
    {
        var net = new SegmentationUNet(Options.Network);
        using (no_grad())
        {
            foreach (var (name, parameter) in net.named_parameters())
            {
                parameter.zero_();
                if (name == "seg_head.bias") parameter[label] = tensor(logit);
            }
        }
        net.eval();
        return net;
    }

    private static Volume Labels()
    {
        var labels = Volume.Create(Reference, VoxelType.UInt8);
        var voxels = labels.Voxels<byte>();
        foreach (var (box, value) in new[] { (KidneyBox, (byte)1), (CystBox, (byte)3) })
            for (int k = box.K0; k < box.K1; k++)
                for (int j = box.J0; j < box.J1; j++)
                    for (int i = box.I0; i < box.I1; i++)
                        voxels[(int)Reference.Size.Index(i, j, k)] = value;
        return labels;
    }

    private static AlignedStudy Study(params string[] phases) => new("P", Reference,
        phases.ToDictionary(p => p, p => Volume.FromVoxels<float>(Reference, Enumerable.Repeat(100f, (int)Reference.VoxelCount).ToArray())),
        Array.Empty<PhaseAlignment>());

    private static (Volume Labels, RefinementRecord Record) Run(SegmentationUNet net, RoiRefinementOptions options, AlignedStudy study, Volume labels) =>
        KidneyRoiRefinement.Apply(net, options, IntensityNormalization.Paper, ModelSpacing, study, labels, Connectivity.Six, CancellationToken.None);

    [Fact]
    public void TumorAnswersRelabelOnlyKidneyVoxels_InABoxOfTheCropsSizeCentredOnTheKidney()
    {
        using var net = ConstantNetwork(label: 2);
        var before = Labels();

        var (after, record) = Run(net, Options, Study("N", "A", "P", "D"), before);

        var a = after.Voxels<byte>();
        var b = before.Voxels<byte>();
        int iMin = int.MaxValue, iMax = -1, jMin = int.MaxValue, jMax = -1, kMin = int.MaxValue, kMax = -1;
        long relabelled = 0;
        for (int k = 0; k < Reference.Size.K; k++)
            for (int j = 0; j < Reference.Size.J; j++)
                for (int i = 0; i < Reference.Size.I; i++)
                {
                    int n = (int)Reference.Size.Index(i, j, k);
                    if (a[n] == b[n]) continue;
                    Assert.Equal((1, 2), (b[n], a[n])); // only kidney -> tumor
                    relabelled++;
                    (iMin, iMax, jMin, jMax, kMin, kMax) = (Math.Min(iMin, i), Math.Max(iMax, i), Math.Min(jMin, j), Math.Max(jMax, j), Math.Min(kMin, k), Math.Max(kMax, k));
                }
        long cystInBox = (CystBox.I1 - CystBox.I0) * (CystBox.J1 - CystBox.J0) * (CystBox.K1 - CystBox.K0);
        // The box's faces fall exactly on reference voxel centres here, and a face counts as inside.
        var extent = (I: iMax - iMin + 1, J: jMax - jMin + 1, K: kMax - kMin + 1);
        Assert.InRange(extent.I, 16, 17);
        Assert.InRange(extent.J, 16, 17);
        Assert.InRange(extent.K, 8, 9);
        Assert.Equal(20.0, (iMin + iMax) / 2.0, 0.5);
        Assert.Equal(32.0, (jMin + jMax) / 2.0, 0.5);
        Assert.Equal(11.0, (kMin + kMax) / 2.0, 0.5);
        Assert.Equal(extent.I * extent.J * extent.K - cystInBox, relabelled); // the cyst lies inside the box and stays a cyst
        Assert.Equal(new RefinementRecord(1, 1, relabelled, 0, null), record);
    }

    [Fact]
    public void OnAGridFinerThanTheModelsTheBoxKeepsItsPhysicalSizeAndCentre()
    {
        // 0.8 x 0.8 x 2.5 mm: kidneys are found on every 3rd / 3rd / 2nd voxel; the box is 40 x 40 x 40 mm.
        var fine = Geometry.Axial(new GridSize(160, 160, 48), new Vec3(0.8, 0.8, 2.5), new Vec3(-60, -60, -50));
        var kidney = new VoxelBounds(31, 60, 6, 96, 131, 41);
        var labels = Volume.Create(fine, VoxelType.UInt8);
        var voxels = labels.Voxels<byte>();
        for (int k = kidney.K0; k < kidney.K1; k++)
            for (int j = kidney.J0; j < kidney.J1; j++)
                for (int i = kidney.I0; i < kidney.I1; i++)
                    voxels[(int)fine.Size.Index(i, j, k)] = 1;
        var study = new AlignedStudy("P", fine, new[] { "N", "A", "P", "D" }.ToDictionary(p => p,
            p => Volume.FromVoxels<float>(fine, new float[fine.VoxelCount])), Array.Empty<PhaseAlignment>());
        using var net = ConstantNetwork(label: 2);

        var (after, record) = Run(net, Options, study, labels);

        var a = after.Voxels<byte>().ToArray();
        var tumor = Enumerable.Range(0, a.Length).Where(n => a[n] == 2).Select(n => (I: n % 160, J: n / 160 % 160, K: n / (160 * 160))).ToList();
        Assert.Equal(1, record.Boxes);
        Assert.InRange(tumor.Max(t => t.I) - tumor.Min(t => t.I) + 1, 49, 51);   // 40 mm / 0.8 mm
        Assert.InRange(tumor.Max(t => t.J) - tumor.Min(t => t.J) + 1, 49, 51);
        Assert.InRange(tumor.Max(t => t.K) - tumor.Min(t => t.K) + 1, 15, 17);   // 40 mm / 2.5 mm
        // Centred on the kidney to within one model voxel (2.5 mm = 3 voxels in-plane, 5 mm = 2 slices).
        Assert.InRange((tumor.Max(t => t.I) + tumor.Min(t => t.I)) / 2.0, 63.5 - 3, 63.5 + 3);
        Assert.InRange((tumor.Max(t => t.J) + tumor.Min(t => t.J)) / 2.0, 95.0 - 3, 95.0 + 3);
        Assert.InRange((tumor.Max(t => t.K) + tumor.Min(t => t.K)) / 2.0, 23.0 - 2, 23.0 + 2);
    }

    [Fact]
    public void KidneyAnswersChangeNothing_AndTheSameLabelsComeBack()
    {
        using var net = ConstantNetwork(label: 1);
        var before = Labels();

        var (after, record) = Run(net, Options, Study("N", "A", "P", "D"), before);

        Assert.Same(before, after);
        Assert.Equal(new RefinementRecord(1, 0, 0, 0, null), record);
    }

    [Fact]
    public void ProposalsUnderTheMinimumVolumeAreDropped()
    {
        using var net = ConstantNetwork(label: 2);
        var before = Labels();

        var (after, record) = Run(net, Options with { MinLesionMl = 1000 }, Study("N", "A", "P", "D"), before);

        Assert.Same(before, after);
        Assert.Equal(1, record.ProposalsDropped);
        Assert.Equal(0, record.LesionsAdded);
    }

    [Fact]
    public void AMissingPhaseSkipsTheStageAndSaysWhich()
    {
        using var net = ConstantNetwork(label: 2);
        var before = Labels();

        var (after, record) = Run(net, Options, Study("N", "A", "P"), before);

        Assert.Same(before, after);
        Assert.Equal(0, record.Boxes);
        Assert.Contains("D", record.SkippedBecause);
    }

    [Fact]
    public void NoKidneyMeansNoBox()
    {
        using var net = ConstantNetwork(label: 2);
        var empty = Volume.Create(Reference, VoxelType.UInt8);

        var (after, record) = Run(net, Options, Study("N", "A", "P", "D"), empty);

        Assert.Same(empty, after);
        Assert.Contains("no kidney", record.SkippedBecause);
    }

    [Fact]
    public void AnalyzerWithAnRoiStageAddsTumorOnlyOnKidneyVoxels_AndTimesAndRecordsIt()
    {
        var folder = Path.Combine(Path.GetTempPath(), "renal-roi-" + Guid.NewGuid().ToString("N"));
        try
        {
            AnalysisFixture.SaveRandomCheckpoint(folder, [2.5, 2.5, 5.0], [16, 32, 32]);
            using (var loaded = ModelCheckpoint.Load(folder))
            using (var roi = ConstantNetwork(label: 2))
                ModelCheckpoint.Save(folder, loaded.Metadata with { Refinement = Options }, loaded.Segmentation, loaded.Classifier, roi);
            var study = AnalysisFixture.Small;
            var settings = new StudyAnalyzerSettings
            {
                Alignment = new AlignmentOptions { Registration = new MaskRegistrationOptions { Steps = 10 } },
            };
            using var withRoi = StudyAnalyzer.Load(folder, settings, new TruthSegmenter(study.Truth));
            using var withoutRoi = StudyAnalyzer.Load(folder, settings with { RoiRefinement = false }, new TruthSegmenter(study.Truth));

            var refined = withRoi.Analyze(study.Images, new AnalysisOptions(), null, CancellationToken.None);
            var plain = withoutRoi.Analyze(study.Images, new AnalysisOptions(), null, CancellationToken.None);

            Assert.Null(plain.Refinement);
            Assert.NotNull(refined.Refinement);
            Assert.Equal(2, refined.Refinement.Boxes); // two kidneys
            Assert.True(refined.Refinement.VoxelsRelabelled > 0);
            var r = refined.Labels.Voxels<byte>().ToArray();
            var p = plain.Labels.Voxels<byte>().ToArray();
            long changed = 0;
            for (int n = 0; n < r.Length; n++)
            {
                if (r[n] == p[n]) continue;
                Assert.Equal((1, 2), (p[n], r[n]));
                changed++;
            }
            Assert.Equal(refined.Refinement.VoxelsRelabelled, changed);
            Assert.Contains(refined.Timings, t => t.Stage == AnalysisStage.Refinement && t.Phase is null);
            Assert.DoesNotContain(plain.Timings, t => t.Stage == AnalysisStage.Refinement);
            Assert.True(refined.Diagnosis.Lesions.Where(l => l.Label == 2).Sum(l => l.VolumeMl)
                > plain.Diagnosis.Lesions.Where(l => l.Label == 2).Sum(l => l.VolumeMl));

            // Without D this network (MaxMissingPhases 0) is skipped, and the report shows no ROI timing.
            var withoutD = withRoi.Analyze(study.Images.Where(p => p.Key != "D").ToDictionary(p => p.Key, p => p.Value),
                new AnalysisOptions(), null, CancellationToken.None);
            Assert.Contains("D", withoutD.Refinement!.SkippedBecause);
            Assert.DoesNotContain(withoutD.Timings, t => t.Stage == AnalysisStage.Refinement);
        }
        finally
        {
            if (Directory.Exists(folder)) Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void TheTumorProbabilityThresholdDecides()
    {
        // Logits (0, 0, 2, 0): tumor probability e^2 / (e^2 + 3) = 0.711.
        using var net = ConstantNetwork(label: 2, logit: 2f);
        var before = Labels();

        var (below, lowRecord) = Run(net, Options with { TumorProbability = 0.70 }, Study("N", "A", "P", "D"), before);
        var (above, highRecord) = Run(net, Options with { TumorProbability = 0.72 }, Study("N", "A", "P", "D"), before);

        Assert.Equal(1, lowRecord.LesionsAdded);
        Assert.NotSame(before, below);
        Assert.Same(before, above);
        Assert.Equal(0, highRecord.LesionsAdded);
        Assert.Throws<ArgumentException>(() => (Options with { TumorProbability = 1.0 }).Validate());
    }

    [Fact]
    public void WithMirroringTheProbabilitiesOfALeftRightMirroredStudyAreTheMirroredProbabilities()
    {
        // A crop that is the whole (16 x 16 x 8) grid, phases of random intensities, a random network.
        var grid = Geometry.Axial(new GridSize(16, 16, 8), ModelSpacing, new Vec3(-20, -20, -20));
        var random = new Random(5);
        var images = new[] { "N", "A", "P", "D" }.ToDictionary(p => p,
            p => Enumerable.Range(0, (int)grid.VoxelCount).Select(_ => (float)(random.NextDouble() * 300 - 50)).ToArray());
        float[] Mirror(float[] v) => Enumerable.Range(0, v.Length).Select(n => v[n - n % 16 + 15 - n % 16]).ToArray();
        AlignedStudy StudyOf(Func<float[], float[]> f) => new("P", grid,
            images.ToDictionary(e => e.Key, e => Volume.FromVoxels<float>(grid, f(e.Value))), Array.Empty<PhaseAlignment>());
        manual_seed(3);
        using var net = new SegmentationUNet(Options.Network);
        net.eval();

        float MaxAsymmetry(RoiRefinementOptions options)
        {
            var p = KidneyRoiRefinement.TumorProbability(net, options, IntensityNormalization.Paper, StudyOf(v => v), grid);
            var q = KidneyRoiRefinement.TumorProbability(net, options, IntensityNormalization.Paper, StudyOf(Mirror), grid);
            return Mirror(q).Zip(p, (a, b) => Math.Abs(a - b)).Max();
        }

        Assert.True(MaxAsymmetry(Options with { MirrorLeftRight = true }) < 1e-5f);
        Assert.True(MaxAsymmetry(Options with { MirrorLeftRight = false }) > 1e-3f); // the network alone is not symmetric
    }

    [Fact]
    public void OnAFinerGridTheInterpolatedProbabilityGivesARoundLesionNotModelVoxelBlocks()
    {
        // A crop at 2.5 x 2.5 x 5 mm whose tumor probability falls linearly across the surface of a
        // 7.5 mm ball (0.5 on it), read onto a 0.5 mm grid and thresholded at 0.5.
        var crop = Geometry.Axial(new GridSize(16, 16, 8), ModelSpacing, new Vec3(-18.75, -18.75, -17.5));
        const double radius = 7.5;
        var centre = crop.IndexToPhysical(7.5, 7.5, 3.5);
        var probability = new float[crop.VoxelCount];
        for (int k = 0, n = 0; k < 8; k++)
            for (int j = 0; j < 16; j++)
                for (int i = 0; i < 16; i++, n++)
                    probability[n] = (float)Math.Clamp(0.5 + (radius - (crop.IndexToPhysical(i, j, k) - centre).Length) / 10, 0, 1);
        var fine = Geometry.Axial(new GridSize(60, 60, 60), new Vec3(0.5, 0.5, 0.5), centre - new Vec3(14.75, 14.75, 14.75));

        var onFine = KidneyRoiRefinement.ProbabilityOnReference(probability, crop, fine, new VoxelBounds(0, 0, 0, 60, 60, 60));

        long both = 0, marked = 0, truth = 0;
        for (int k = 0, n = 0; k < 60; k++)
            for (int j = 0; j < 60; j++)
                for (int i = 0; i < 60; i++, n++)
                {
                    bool inBall = (fine.IndexToPhysical(i, j, k) - centre).Length <= radius, isMarked = onFine[n] >= 0.5f;
                    truth += inBall ? 1 : 0; marked += isMarked ? 1 : 0; both += inBall && isMarked ? 1 : 0;
                }
        double dice = 2.0 * both / (marked + truth);
        // 0.938 here; the nearest crop voxel's class (the stage's first version) gives 0.819.
        Assert.True(dice > 0.9, $"Dice {dice:F3} with the ball");
    }

    [Fact]
    public void ANetworkTrainedWithPhaseDropoutServesAStudyWithoutAPhase_ItsChannelReadingTheMean()
    {
        using var net = ConstantNetwork(label: 2);
        var options = Options with { MaxMissingPhases = 1 };

        var (_, withoutD) = Run(net, options, Study("N", "A", "P"), Labels());
        var (_, withoutTwo) = Run(net, options, Study("N", "P"), Labels());

        Assert.Equal(1, withoutD.Boxes);
        Assert.Equal(1, withoutD.LesionsAdded);
        Assert.Equal("D", withoutD.PhasesFilled);
        Assert.Equal(0, withoutTwo.Boxes);
        Assert.Contains("at most 1", withoutTwo.SkippedBecause);

        // The missing channel is exactly what a phase of the normalisation mean (112.75 HU) would give.
        var grid = Geometry.Axial(new GridSize(16, 16, 8), ModelSpacing, new Vec3(-20, -20, -20));
        var random = new Random(9);
        Volume Noise() => Volume.FromVoxels<float>(grid, Enumerable.Range(0, (int)grid.VoxelCount).Select(_ => (float)(random.NextDouble() * 300 - 50)).ToArray());
        var images = new Dictionary<string, Volume> { ["N"] = Noise(), ["A"] = Noise(), ["P"] = Noise() };
        var mean = Volume.FromVoxels<float>(grid, Enumerable.Repeat((float)IntensityNormalization.Paper.Mean, (int)grid.VoxelCount).ToArray());
        manual_seed(4);
        using var randomNet = new SegmentationUNet(Options.Network);
        randomNet.eval();
        var lacking = KidneyRoiRefinement.TumorProbability(randomNet, options, IntensityNormalization.Paper,
            new AlignedStudy("P", grid, images, Array.Empty<PhaseAlignment>()), grid);
        var meanD = KidneyRoiRefinement.TumorProbability(randomNet, options, IntensityNormalization.Paper,
            new AlignedStudy("P", grid, new Dictionary<string, Volume>(images) { ["D"] = mean }, Array.Empty<PhaseAlignment>()), grid);
        Assert.Equal(meanD, lacking);

        // A D whose scan stops short of the box (the aligned image reads air over a third of it) is missing too,
        // while a D that sees the whole box is read; with no missing phase allowed it is read as it is.
        var partD = Noise();
        partD.Voxels<float>()[..(int)(grid.VoxelCount / 3)].Fill(PhaseWarp.OutsideHu);
        AlignedStudy WithD(Volume d) => new("P", grid, new Dictionary<string, Volume>(images) { ["D"] = d }, Array.Empty<PhaseAlignment>());
        Assert.Equal(lacking, KidneyRoiRefinement.TumorProbability(randomNet, options, IntensityNormalization.Paper, WithD(partD), grid));
        Assert.Equal(["D"], KidneyRoiRefinement.ClassProbabilities(randomNet, options, IntensityNormalization.Paper, WithD(partD), grid, withCyst: false).OutsideScan);
        Assert.Empty(KidneyRoiRefinement.ClassProbabilities(randomNet, options, IntensityNormalization.Paper, WithD(Noise()), grid, withCyst: false).OutsideScan);
        Assert.NotEqual(lacking, KidneyRoiRefinement.TumorProbability(randomNet, options, IntensityNormalization.Paper, WithD(Noise()), grid));
        Assert.NotEqual(lacking, KidneyRoiRefinement.TumorProbability(randomNet, options with { MaxMissingPhases = 0 }, IntensityNormalization.Paper, WithD(partD), grid));
        Assert.Throws<ArgumentException>(() => (Options with { MaxMissingPhases = 4 }).Validate());
    }

    [Fact]
    public void AntiAliasingReadsTheBoxFromTheSmoothedPhasesOnAFinerReferenceGrid()
    {
        // The reference grid at a third of the box spacing in-plane: the box reads smoothed phases; on a grid as
        // coarse as the box nothing is smoothed and the probabilities equal the plain read's.
        var box = Geometry.Axial(new GridSize(16, 16, 8), ModelSpacing, new Vec3(-20, -20, -20));
        var fine = Geometry.Axial(new GridSize(60, 60, 10), new Vec3(ModelSpacing.X / 3, ModelSpacing.Y / 3, ModelSpacing.Z), new Vec3(-22, -22, -24));
        var random = new Random(5);
        AlignedStudy StudyOn(Geometry grid) => new("P", grid, new[] { "N", "A", "P", "D" }.ToDictionary(p => p, _ =>
            Volume.FromVoxels<float>(grid, Enumerable.Range(0, (int)grid.VoxelCount).Select(_ => (float)(random.NextDouble() * 300 - 50)).ToArray())),
            Array.Empty<PhaseAlignment>());
        manual_seed(6);
        using var randomNet = new SegmentationUNet(Options.Network);
        randomNet.eval();
        var smoothing = Options with { AntiAliasing = true };
        var coarse = StudyOn(box);
        Assert.Equal(KidneyRoiRefinement.TumorProbability(randomNet, Options, IntensityNormalization.Paper, coarse, box),
            KidneyRoiRefinement.TumorProbability(randomNet, smoothing, IntensityNormalization.Paper, coarse, box));

        var study = StudyOn(fine);
        var plain = KidneyRoiRefinement.TumorProbability(randomNet, Options, IntensityNormalization.Paper, study, box);
        var smoothed = KidneyRoiRefinement.TumorProbability(randomNet, smoothing, IntensityNormalization.Paper, study, box);
        Assert.NotEqual(plain, smoothed);
        // What the network was given is exactly the smoothed box sampling of each phase.
        var input = new float[4 * box.VoxelCount];
        int c = 0;
        foreach (var phase in Options.Phases)
            SmoothedBoxSampling.SampleInto(study.ImagesOnReference[phase], box, IntensityNormalization.Paper, input.AsSpan((int)(c++ * box.VoxelCount), (int)box.VoxelCount));
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var x = tensor(input, new long[] { 1, 4, box.Size.K, box.Size.J, box.Size.I });
        var expected = randomNet.forward(x).softmax(1).add(randomNet.forward(x.flip(-1)).softmax(1).flip(-1)).div(2).select(1, 2).contiguous().data<float>().ToArray();
        for (int n = 0; n < expected.Length; n++) Assert.Equal(expected[n], smoothed[n], 5);
    }
}
