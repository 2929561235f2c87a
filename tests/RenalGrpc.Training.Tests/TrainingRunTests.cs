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
        var kept = TrainingRun.Execute(data.Request(output, TrainingStages.Classification), _ => { }, CancellationToken.None);
        Assert.Equal("0.3.0", kept.Version);
        Assert.Equal("0.3.0", ModelCheckpoint.ReadMetadata(output).Version);
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
}
