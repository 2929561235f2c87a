using RenalGrpc.Cli;
using RenalGrpc.Client.Testing;

namespace RenalGrpc.Client.Tests;

[Collection(ServerCollection.Name)]
public sealed class CliServerCommandTests(ServerFixture fixture) : IDisposable
{
    private readonly string _scratch = Directory.CreateTempSubdirectory("renal-client-cli-").FullName;

    [Fact]
    public async Task Info_PrintsTheLabelTable()
    {
        var run = await Renal("info", "--server", Server);

        Assert.True(run.ExitCode == 0, run.Stderr);
        Assert.Contains("kidney", run.Stdout);
        Assert.Contains("tumor", run.Stdout);
        Assert.Contains("cyst", run.Stdout);
    }

    [Fact]
    public async Task UploadOfNiftiFiles_PrintsTheStudyId_ThatStudiesListsAndDeleteRemoves()
    {
        var args = new List<string> { "upload", "--server", Server, "--compression", "zstd" };
        foreach (var (phase, volume) in TestStudies.FourPhases(seed: 40))
        {
            var path = Path.Combine(_scratch, $"{phase}.nii.gz");
            VolumeFiles.Write(volume, path);
            args.AddRange(["--phase", $"{phase}={path}"]);
        }

        var upload = await Renal([.. args]);
        Assert.True(upload.ExitCode == 0, upload.Stderr);
        var id = upload.Stdout.Split('\n').Single(l => l.StartsWith("study ", StringComparison.Ordinal))["study ".Length..].Trim();
        Assert.Contains("MB/s", upload.Stdout);

        var studies = await Renal("studies", "--server", Server);
        Assert.Equal(0, studies.ExitCode);
        Assert.Contains(studies.Stdout.Split('\n'), l => l.StartsWith(id, StringComparison.Ordinal) && l.Contains("NAPD"));

        var delete = await Renal("delete", "--server", Server, "--study", id);
        Assert.Equal(0, delete.ExitCode);
        Assert.DoesNotContain(id, (await Renal("studies", "--server", Server)).Stdout);
    }

    [Fact]
    public async Task UnreachableServer_Exits4_WithTheAddress()
    {
        var run = await Renal("info", "--server", "http://127.0.0.1:1");

        Assert.Equal(ExitCodes.ServerUnreachable, run.ExitCode);
        Assert.Contains("http://127.0.0.1:1", run.Stderr);
    }

    [Theory]
    [InlineData("--phase", "X=a.nii")]
    [InlineData("--phase", "N")]
    [InlineData("--phase", "N=missing-file.nii.gz")]
    [InlineData("--phase", "N=a.nii", "--phase", "N=b.nii")]
    [InlineData("--phase", "N=a.nii", "--compression", "gzip")]
    [InlineData("--phase", "N=a.nii", "--server", "ftp://host")]
    [InlineData("--phase", "N=a.nii", "--token-file", "no-such-token-file")]
    public async Task BadUploadArguments_Exit2(params string[] arguments)
    {
        var run = await Renal(["upload", .. arguments]);

        Assert.Equal(ExitCodes.BadInput, run.ExitCode);
        Assert.NotEmpty(run.Stderr);
    }

    [Fact]
    public async Task StudyRefusedByTheServer_Exits3_WithTheFieldViolation()
    {
        using var small = await RenalServerProcess.StartAsync(ServerFixture.ServerDll, "--memory-budget-mb", "1");
        var path = Path.Combine(_scratch, "big.nii.gz");
        VolumeFiles.Write(TestStudies.FourPhases(seed: 41, size: 256, slices: 12)["P"], path); // 1.5 MB

        var run = await Renal("upload", "--server", small.Address.ToString(), "--phase", $"P={path}");

        Assert.Equal(ExitCodes.RefusedByServer, run.ExitCode);
        Assert.Contains("ResourceExhausted", run.Stderr);
    }

    [Fact]
    public async Task TokenFile_IsSentAsTheBearerToken()
    {
        using var guarded = await RenalServerProcess.StartAsync(ServerFixture.ServerDll, "--token", "file-token");
        var tokenFile = Path.Combine(_scratch, "token");
        await File.WriteAllTextAsync(tokenFile, "file-token\n");

        var with = await Renal("studies", "--server", guarded.Address.ToString(), "--token-file", tokenFile);
        var without = await Renal("studies", "--server", guarded.Address.ToString());

        Assert.True(with.ExitCode == 0, with.Stderr);
        Assert.Equal(ExitCodes.RefusedByServer, without.ExitCode);
        Assert.Contains("Unauthenticated", without.Stderr);
    }

    public void Dispose() => Directory.Delete(_scratch, recursive: true);

    private string Server => fixture.Server.Address.ToString();

    private static async Task<(int ExitCode, string Stdout, string Stderr)> Renal(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int code = await CommandDispatcher.RunAsync(args, stdout, stderr, CancellationToken.None);
        return (code, stdout.ToString(), stderr.ToString());
    }
}
