using RenalGrpc.Engine.Checkpoints;
using RenalGrpc.Imaging;
using RenalGrpc.Training.Data;
using static TorchSharp.torch;

namespace RenalGrpc.Training.Tests;

[Collection(nameof(TinyDatasetCollection))]
public sealed class TrainingRunTests(TinyDataset data)
{
    [Fact]
    public void Both_stages_write_a_checkpoint_that_loads_strictly_and_predicts_the_same()
    {
        var output = Path.Combine(Path.GetTempPath(), "renal-run-" + Guid.NewGuid().ToString("N"));
        var log = new List<string>();
        var metadata = TrainingRun.Execute(data.Request(output, TrainingStages.Both), log.Add, CancellationToken.None);

        Assert.Contains(log, l => l.StartsWith("[seg] step 40/40", StringComparison.Ordinal));
        Assert.Contains(log, l => l.StartsWith("[cls]", StringComparison.Ordinal));
        Assert.Equal(5, metadata.Training.Seed);
        Assert.Equal(TrainingRequest.NewModelVersion, metadata.Version);
        Assert.Equal(new[] { 2.5, 2.5, 5.0 }, metadata.SpacingMm);
        Assert.Contains("val_dice_kidney_masses", metadata.ValidationMetrics.Keys);

        using var loaded = ModelCheckpoint.Load(output);
        Assert.Equal(metadata.Weights.Select(w => w.Sha256), loaded.Metadata.Weights.Select(w => w.Sha256));
        using var scope = NewDisposeScope();
        var input = randn(new long[] { 1, 1, 8, 32, 32 }, generator: new Generator(4));
        loaded.Segmentation.eval();
        using var again = ModelCheckpoint.Load(output);
        again.Segmentation.eval();
        Assert.True(loaded.Segmentation.forward(input).allclose(again.Segmentation.forward(input)));
        Directory.Delete(output, true);
    }

    [Fact]
    public void Training_one_stage_on_a_checkpoint_keeps_its_version_unless_one_is_given()
    {
        var output = Path.Combine(Path.GetTempPath(), "renal-run-" + Guid.NewGuid().ToString("N"));
        var first = TrainingRun.Execute(data.Request(output, TrainingStages.Classification) with { ModelVersion = "0.3.0" }, _ => { }, CancellationToken.None);
        Assert.Equal("0.3.0", first.Version);
        Directory.Delete(Path.Combine(output, "train-state"), true);
        // Stage 1 described as a separate training would have left it.
        var stage1 = new TrainingDescription { DataDescription = "600 phantom cases", Seed = 3, Steps = 10400, Notes = "imported from PyTorch" };
        using (var model = ModelCheckpoint.Load(output))
            ModelCheckpoint.Save(output, model.Metadata with { Training = stage1 }, model.Segmentation, model.Classifier, model.Refinement);
        var kept = TrainingRun.Execute(data.Request(output, TrainingStages.Classification), _ => { }, CancellationToken.None);
        Assert.Equal("0.3.0", kept.Version);
        Assert.Equal("0.3.0", ModelCheckpoint.ReadMetadata(output).Version);
        // Training the classifier alone keeps stage 1's description and writes its own beside it.
        Assert.Equal(stage1, ModelCheckpoint.ReadMetadata(output).Training);
        var classifier = ModelCheckpoint.ReadMetadata(output).ClassifierTraining;
        Assert.NotNull(classifier);
        Assert.Equal(5, classifier.Seed);
        Assert.Contains("--stage cls", classifier.Notes);
        Assert.Contains("PerPhase crops", classifier.Notes);
        Assert.Contains("phase dropout 0.25 (one phase)", classifier.Notes);
        // The generated cases have all four phases and the default dropout takes one: lesions were seen in 3 or more.
        Assert.Equal(3, ModelCheckpoint.ReadMetadata(output).ClassifierMinPhases);
        Directory.Delete(output, true);
    }

    [Fact]
    public void Kits23_layout_is_read_as_one_contrast_phase_without_subtype()
    {
        var folder = Path.Combine(Path.GetTempPath(), "renal-kits-" + Guid.NewGuid().ToString("N"));
        var source = TrainingDataset.Discover(data.Folder)[0];
        var kitsCase = Directory.CreateDirectory(Path.Combine(folder, "case_00000")).FullName;
        File.Copy(source.Phase("P")!.ImagePath, Path.Combine(kitsCase, "imaging.nii.gz"));
        File.Copy(source.Phase("P")!.LabelsPath!, Path.Combine(kitsCase, "segmentation.nii.gz"));

        var cases = TrainingDataset.Discover(folder);
        var only = Assert.Single(cases);
        Assert.Null(only.Subtype);
        Assert.Equal("P", Assert.Single(only.Phases).Phase);
        Assert.NotNull(only.Phases[0].LabelsPath);
        Directory.Delete(folder, true);
    }

    [Fact]
    public void A_folder_without_cases_is_a_clear_error()
    {
        var folder = Directory.CreateTempSubdirectory("renal-empty").FullName;
        var error = Assert.Throws<ImagingException>(() => TrainingDataset.Discover(folder));
        Assert.Contains("no case_*", error.Message);
        Assert.Throws<ImagingException>(() => TrainingDataset.Discover(Path.Combine(folder, "missing")));
    }

    [Fact]
    public void Split_is_deterministic_for_a_seed_and_disjoint()
    {
        var cases = TrainingDataset.Discover(data.Folder);
        var (train, validation) = TrainingDataset.Split(cases, 0.34, 11);
        var (train2, validation2) = TrainingDataset.Split(cases, 0.34, 11);
        Assert.Equal(train.Select(c => c.Id), train2.Select(c => c.Id));
        Assert.Equal(validation.Select(c => c.Id), validation2.Select(c => c.Id));
        Assert.Empty(train.Select(c => c.Id).Intersect(validation.Select(c => c.Id)));
        Assert.Equal(cases.Count, train.Count + validation.Count);
    }

    [Fact]
    public void Classifier_trains_on_reference_grid_crops_of_generated_cases_with_jitter_and_flips()
    {
        var cases = TrainingDataset.Discover(data.Folder);
        var metadata = new CheckpointMetadata();
        var perPhase = Classification.LesionCropSet.Build(cases, metadata, Classification.ClassifierCropSource.PerPhase);
        var reference = Classification.LesionCropSet.Build(cases, metadata, Classification.ClassifierCropSource.Reference);
        Assert.Equal(perPhase.Select(c => (c.CaseId, c.Subtype)), reference.Select(c => (c.CaseId, c.Subtype)));
        // On the reference grid every phase is cut in P's box; on their own grids the phantom's breath holds move them.
        Assert.All(reference, c => Assert.Single(c.Crops.Values.Select(crop => crop.Box).Distinct()));
        Assert.Contains(perPhase, c => c.Crops.Values.Select(crop => crop.Box).Distinct().Count() > 1);
        var withP = reference.Where(c => c.Crops.ContainsKey("P")).ToArray();
        Assert.NotEmpty(withP);
        Assert.All(withP, c => Assert.Equal(perPhase.Single(p => p.CaseId == c.CaseId).Crops["P"].Box, c.Crops["P"].Box));

        var output = Path.Combine(Path.GetTempPath(), "renal-run-" + Guid.NewGuid().ToString("N"));
        var log = new List<string>();
        var request = data.Request(output, TrainingStages.Classification);
        TrainingRun.Execute(request with
        {
            Classification = request.Classification with
            {
                CropSource = Classification.ClassifierCropSource.Reference, CropJitter = 0.5, FlipAverage = true, JitterAverage = true,
                PhaseDropout = 0.4, MinPhasesAfterDropout = 1,
            },
        }, log.Add, CancellationToken.None);
        Assert.Equal(1, ModelCheckpoint.ReadMetadata(output).ClassifierMinPhases);
        Assert.Contains("phase dropout 0.4 (down to 1 phase(s))", ModelCheckpoint.ReadMetadata(output).ClassifierTraining!.Notes);
        Assert.Contains(log, l => l.Contains("lesions cut (Reference)", StringComparison.Ordinal));
        Assert.True(ModelCheckpoint.ReadMetadata(output).ClassifierCrop.FlipAverage);
        Assert.True(ModelCheckpoint.ReadMetadata(output).ClassifierCrop.JitterAverage);
        Assert.Contains("Reference crops, crop jitter 0.5, flip average True, jitter average True", ModelCheckpoint.ReadMetadata(output).ClassifierTraining!.Notes);
        Assert.True(File.Exists(Path.Combine(output, ModelCheckpoint.ClassifierFile)));
        Directory.Delete(output, true);
    }
}
