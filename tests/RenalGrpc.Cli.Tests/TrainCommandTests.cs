using RenalGrpc.Cli;
using RenalGrpc.Engine.Checkpoints;
using RenalGrpc.Imaging.Tests.Support;

namespace RenalGrpc.Cli.Tests;

/// <summary>
/// `renal train` argument checks that need no dataset, and one seed training the same weights in two
/// processes (training itself is tested in RenalGrpc.Training.Tests, in one process).
/// </summary>
public sealed class TrainCommandTests
{
    [Theory]
    [InlineData("--cls-crops", "sideways", "--cls-crops must be per-phase or reference")]
    [InlineData("--cls-min-phases", "4", "--cls-min-phases")]
    [InlineData("--cls-min-phases", "0", "--cls-min-phases")]
    [InlineData("--cls-phase-dropout", "1.5", "--cls-phase-dropout")]
    public async Task A_bad_classifier_option_is_a_usage_error_before_anything_is_read(string option, string value, string message)
    {
        using var scratch = new ScratchFolder();
        var run = await CliRun.Of("train", "--data", scratch.File("missing"), "--out", scratch.File("model"), option, value);
        Assert.Equal(ExitCodes.BadInput, run.ExitCode);
        Assert.Contains(message, run.Stderr);
        Assert.False(Directory.Exists(scratch.File("model")));
    }

    /// <summary>Generated 64 x 64 x 24 cases (seed 5) in the scratch folder's data/.</summary>
    private static async Task<string> SmallCases(ScratchFolder scratch, int cases)
    {
        var data = scratch.File("data");
        var made = await CliRun.Of("phantom", "--out", data, "--cases", cases.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--seed", "5", "--size", "64x64x24", "--balance", "uniform");
        Assert.True(made.ExitCode == 0, made.Stderr);
        return data;
    }

    [Fact]
    public async Task Two_processes_with_one_seed_train_the_same_classifier()
    {
        // In one process a per-process hash seed (HashCode.Combine, string hashes) cannot show: run renal twice.
        using var scratch = new ScratchFolder();
        var data = await SmallCases(scratch, 8);
        var renal = Path.Combine(AppContext.BaseDirectory, "renal.dll");
        string Train(string name)
        {
            var model = scratch.File(name);
            ExternalProcess.Run("dotnet", [renal, "train", "--data", data, "--out", model, "--stage", "cls", "--cls-epochs", "2", "--seed", "3",
                "--threads", "1", "--batch-size", "4", "--cls-crop-jitter", "0.5", "--cls-phase-dropout", "0.5", "--cls-min-phases", "1",
                "--cls-jitter-average"], timeout: TimeSpan.FromMinutes(3));
            Assert.Equal(1, ModelCheckpoint.ReadMetadata(model).ClassifierMinPhases);
            Assert.True(ModelCheckpoint.ReadMetadata(model).ClassifierCrop.JitterAverage);
            return ModelCheckpoint.Sha256Of(Path.Combine(model, ModelCheckpoint.ClassifierFile));
        }
        Assert.Equal(Train("first"), Train("second"));
    }

    [Fact]
    public async Task A_state_folder_of_another_run_is_refused_with_exit_2()
    {
        using var scratch = new ScratchFolder();
        var data = await SmallCases(scratch, 2);
        var state = Directory.CreateDirectory(Path.Combine(scratch.File("model"), "train-state")).FullName;

        File.WriteAllText(Path.Combine(state, "segmentation-state.json"), """{"Step":1,"Seed":99,"TotalSteps":10,"Losses":[1.0]}""");
        var otherSeed = await CliRun.Of("train", "--data", data, "--out", scratch.File("model"), "--stage", "seg", "--epochs", "1", "--seed", "3", "--val-fraction", "0");
        Assert.Equal(ExitCodes.BadInput, otherSeed.ExitCode);
        Assert.Contains("holds a run with seed 99", otherSeed.Stderr);
        Assert.DoesNotContain("   at ", otherSeed.Stderr); // a message, not a stack trace

        File.WriteAllText(Path.Combine(state, "segmentation-state.json"), "{ torn");
        var torn = await CliRun.Of("train", "--data", data, "--out", scratch.File("model"), "--stage", "seg", "--epochs", "1", "--seed", "3", "--val-fraction", "0");
        Assert.Equal(ExitCodes.BadInput, torn.ExitCode);
        Assert.Contains("is not a training state", torn.Stderr);

        // Same seed, but weights and optimizer state missing (or from an older build): refused, not a crash.
        File.WriteAllText(Path.Combine(state, "segmentation-state.json"), """{"Step":1,"Seed":3,"TotalSteps":10,"Losses":[1.0]}""");
        var missing = await CliRun.Of("train", "--data", data, "--out", scratch.File("model"), "--stage", "seg", "--epochs", "1", "--seed", "3", "--val-fraction", "0");
        Assert.Equal(ExitCodes.BadInput, missing.ExitCode);
        Assert.Contains("cannot be resumed", missing.Stderr);
    }
}
