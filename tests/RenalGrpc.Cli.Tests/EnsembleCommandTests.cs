using RenalGrpc.Engine.Checkpoints;
using RenalGrpc.Imaging.Tests.Support;

namespace RenalGrpc.Cli.Tests;

/// <summary>`renal ensemble` on the shipped model: members join, and a member cut differently is refused with exit 2.</summary>
public sealed class EnsembleCommandTests : IDisposable
{
    private static string ModelFolder => Path.Combine(RepositoryPaths.Root, "models", "default");
    private readonly ScratchFolder _scratch = new();

    public void Dispose() => _scratch.Dispose();

    private string CopyOfDefault(string name, Func<CheckpointMetadata, CheckpointMetadata>? change = null)
    {
        var copy = _scratch.File(name);
        Directory.CreateDirectory(copy);
        foreach (var file in Directory.GetFiles(ModelFolder)) File.Copy(file, Path.Combine(copy, Path.GetFileName(file)));
        if (change is not null)
        {
            var path = Path.Combine(copy, ModelCheckpoint.MetadataFile);
            var metadata = System.Text.Json.JsonSerializer.Deserialize<CheckpointMetadata>(File.ReadAllText(path), ModelCheckpoint.Json)!;
            File.WriteAllText(path, System.Text.Json.JsonSerializer.Serialize(change(metadata), ModelCheckpoint.Json));
        }
        return copy;
    }

    [Fact]
    public async Task MembersJoinTheBase_AndBadMembersAreRefusedWithExitTwo()
    {
        var shipped = ModelCheckpoint.ReadMetadata(ModelFolder);
        var member = CopyOfDefault("member");
        var output = _scratch.File("out");
        var run = await CliRun.Of("ensemble", "--base", ModelFolder, "--member", member, "--out", output, "--version", "7.7.7");
        Assert.True(run.ExitCode == 0, run.Stderr);
        int expected = 2 * shipped.ClassifierMembers;
        Assert.Contains($"{expected} classifiers", run.Stdout);
        var written = ModelCheckpoint.ReadMetadata(output);
        Assert.Equal(expected, written.ClassifierMembers);
        Assert.Equal("7.7.7", written.Version);
        Assert.Equal(ModelCheckpoint.Sha256Of(Path.Combine(ModelFolder, ModelCheckpoint.ClassifierFile)),
            ModelCheckpoint.Sha256Of(Path.Combine(output, ModelCheckpoint.ClassifierMemberFile(shipped.ClassifierMembers))));
        using (var loaded = ModelCheckpoint.Load(output)) Assert.Equal(expected, loaded.Classifiers.Count);

        var cutWider = CopyOfDefault("wider", m => m with { ClassifierCrop = m.ClassifierCrop with { MarginMm = 15 } });
        var refused = await CliRun.Of("ensemble", "--base", ModelFolder, "--member", cutWider, "--out", _scratch.File("refused"));
        Assert.Equal(2, refused.ExitCode);
        Assert.Contains("crops are cut differently", refused.Stderr);
        Assert.False(Directory.Exists(_scratch.File("refused")));

        var noMember = await CliRun.Of("ensemble", "--base", ModelFolder, "--out", _scratch.File("refused"));
        Assert.Equal(2, noMember.ExitCode);
        Assert.Contains("at least one", noMember.Stderr);
        var missing = await CliRun.Of("ensemble", "--base", ModelFolder, "--member", _scratch.File("nothing"), "--out", _scratch.File("refused"));
        Assert.Equal(2, missing.ExitCode);
        Assert.Contains("does not exist", missing.Stderr);
    }
}
