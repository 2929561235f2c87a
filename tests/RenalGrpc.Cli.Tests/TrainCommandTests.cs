using RenalGrpc.Cli;

namespace RenalGrpc.Cli.Tests;

/// <summary>`renal train` argument checks that need no dataset (training itself is tested in RenalGrpc.Training.Tests).</summary>
public sealed class TrainCommandTests
{
    [Fact]
    public async Task Unknown_crop_source_is_a_usage_error_before_anything_is_read()
    {
        using var scratch = new ScratchFolder();
        var run = await CliRun.Of("train", "--data", scratch.File("missing"), "--out", scratch.File("model"), "--cls-crops", "sideways");
        Assert.Equal(ExitCodes.BadInput, run.ExitCode);
        Assert.Contains("--cls-crops must be per-phase or reference", run.Stderr);
        Assert.False(Directory.Exists(scratch.File("model")));
    }
}
