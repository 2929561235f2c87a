using System.Runtime.InteropServices;
using RenalGrpc.Engine.Checkpoints;
using RenalGrpc.Imaging.Tests.Support;
using static TorchSharp.torch;

namespace RenalGrpc.Cli.Tests;

/// <summary>
/// `renal import-seg` with a state_dict written by the project's own PyTorch training module
/// (training/pytorch/renal_unet.py, run with Debian's python3-torch): the checkpoint it writes must
/// load and give PyTorch's logits, and a state_dict of another shape must be refused.
/// </summary>
public sealed class ImportSegmentationCommandTests : IDisposable
{
    private readonly ScratchFolder _scratch = new();

    public void Dispose() => _scratch.Dispose();

    private const string MakeStateDict = """
        import sys
        sys.path.insert(0, sys.argv[1])
        import numpy as np, torch
        import renal_unet
        torch.manual_seed(3)
        channels = int(sys.argv[5])
        net = renal_unet.SegmentationUNet(channels, 4, [4, 8, 16], [(1, 1, 1), (1, 2, 2), (2, 2, 2)]).eval()
        for p in net.parameters():
            p.data.add_(0.05 * torch.randn_like(p))  # move the norms off their defaults
        torch.save(net.state_dict(), sys.argv[2])
        x = torch.randn(1, channels, 8, 16, 16)
        with torch.no_grad():
            y = net(x)
        x.numpy().astype('<f4').tofile(sys.argv[3])
        y.numpy().astype('<f4').tofile(sys.argv[4])
        """;

    private (string StateDict, float[] Input, float[] Output) PyTorchNet(int channels = 1)
    {
        string stateDict = _scratch.File($"net{channels}.pt"), input = _scratch.File($"x{channels}.f32"), output = _scratch.File($"y{channels}.f32");
        ReferencePython.Run(MakeStateDict, Path.Combine(RepositoryPaths.Root, "training", "pytorch"), stateDict, input, output,
            channels.ToString(System.Globalization.CultureInfo.InvariantCulture));
        return (stateDict, Floats(input), Floats(output));
    }

    private static float[] Floats(string path) => MemoryMarshal.Cast<byte, float>(File.ReadAllBytes(path)).ToArray();

    [Fact]
    public async Task ImportedNetworkGivesPyTorchsLogitsAndKeepsTheClassifierOnReimport()
    {
        var (stateDict, input, expected) = PyTorchNet();
        var model = _scratch.File("model");
        var run = await CliRun.Of("import-seg", "--pytorch", stateDict, "--out", model, "--features", "4,8,16", "--tile", "16,32,32",
            "--steps", "12", "--seed", "3", "--data-description", "test net");
        Assert.True(run.ExitCode == 0, run.Stderr);
        Assert.Contains("features 4-8-16", run.Stdout);

        var classifierHash = ModelCheckpoint.Sha256Of(Path.Combine(model, ModelCheckpoint.ClassifierFile));
        using (var loaded = ModelCheckpoint.Load(model))
        {
            Assert.Equal(new[] { 16, 32, 32 }, loaded.Metadata.TileShape);
            Assert.Equal(12, loaded.Metadata.Training.Steps);
            Assert.Equal("0.1.0", loaded.Metadata.Version);
            Assert.Contains("PyTorch", loaded.Metadata.Training.Notes);
            using var scope = NewDisposeScope();
            using var noGrad = no_grad();
            loaded.Segmentation.eval();
            var actual = loaded.Segmentation.forward(tensor(input, new long[] { 1, 1, 8, 16, 16 })).data<float>().ToArray();
            Assert.Equal(expected.Length, actual.Length);
            Assert.True(expected.Zip(actual).Max(p => Math.Abs(p.First - p.Second)) < 1e-4, "TorchSharp logits differ from PyTorch's");
        }

        var versioned = await CliRun.Of("import-seg", "--pytorch", stateDict, "--out", model, "--features", "4,8,16", "--tile", "16,32,32", "--version", "2.1.0");
        var again = await CliRun.Of("import-seg", "--pytorch", stateDict, "--out", model, "--features", "4,8,16", "--tile", "16,32,32");
        Assert.True(versioned.ExitCode == 0, versioned.Stderr);
        Assert.True(again.ExitCode == 0, again.Stderr);
        Assert.Contains("keeping the classifier", again.Stdout);
        Assert.Equal(classifierHash, ModelCheckpoint.Sha256Of(Path.Combine(model, ModelCheckpoint.ClassifierFile)));
        // Without --version a re-import keeps the folder's version instead of resetting it.
        Assert.Contains("renal-phantom 2.1.0", again.Stdout);
    }

    [Fact]
    public async Task StateDictOfAnotherShapeIsRefusedAndNothingIsWritten()
    {
        var (stateDict, _, _) = PyTorchNet();
        var model = _scratch.File("model");
        var run = await CliRun.Of("import-seg", "--pytorch", stateDict, "--out", model, "--features", "8,16,32", "--tile", "16,32,32");
        Assert.Equal(ExitCodes.BadInput, run.ExitCode);
        Assert.Contains("net1.pt", run.Stderr);
        Assert.False(File.Exists(Path.Combine(model, ModelCheckpoint.MetadataFile)));

        var badTile = await CliRun.Of("import-seg", "--pytorch", stateDict, "--out", model, "--features", "4,8,16", "--tile", "9,32,32");
        Assert.Equal(ExitCodes.BadInput, badTile.ExitCode);
        Assert.Contains("multiples of [2, 4, 4]", badTile.Stderr);
    }

    [Fact]
    public async Task RoiNetworkGoesInBesideStage1_GivesPyTorchsLogits_AndSurvivesAStage1Reimport()
    {
        var (stage1, _, _) = PyTorchNet();
        var (roi, input, expected) = PyTorchNet(channels: 4);
        var model = _scratch.File("model");

        var first = await CliRun.Of("import-seg", "--roi", "--pytorch", roi, "--out", model, "--features", "4,8,16", "--crop", "8,16,16");
        Assert.Equal(ExitCodes.BadInput, first.ExitCode);
        Assert.Contains("import stage 1 first", first.Stderr);
        var withTile = await CliRun.Of("import-seg", "--roi", "--pytorch", roi, "--out", model, "--features", "4,8,16", "--tile", "16,32,32");
        Assert.Equal(ExitCodes.BadInput, withTile.ExitCode);

        var seg = await CliRun.Of("import-seg", "--pytorch", stage1, "--out", model, "--features", "4,8,16", "--tile", "16,32,32", "--version", "1.2.0");
        var missingWithoutRoi = await CliRun.Of("import-seg", "--pytorch", stage1, "--out", model, "--features", "4,8,16", "--max-missing-phases", "1");
        Assert.Equal(ExitCodes.BadInput, missingWithoutRoi.ExitCode);
        var kindWithoutRoi = await CliRun.Of("import-seg", "--pytorch", stage1, "--out", model, "--features", "4,8,16", "--lesion-kind");
        Assert.Equal(ExitCodes.BadInput, kindWithoutRoi.ExitCode);
        Assert.Contains("--lesion-kind needs --roi", kindWithoutRoi.Stderr);
        var riseOutOfRange = await CliRun.Of("import-seg", "--roi", "--pytorch", roi, "--out", model, "--features", "4,8,16", "--enhancing-cyst-hu", "1000");
        Assert.Equal(ExitCodes.BadInput, riseOutOfRange.ExitCode);
        var run = await CliRun.Of("import-seg", "--roi", "--pytorch", roi, "--out", model, "--features", "4,8,16", "--crop", "8,16,16",
            "--steps", "5", "--data-description", "test boxes", "--max-missing-phases", "2", "--min-kidney-share", "0.3", "--lesion-kind",
            "--enhancing-cyst-hu", "30");
        var shareOutOfRange = await CliRun.Of("import-seg", "--roi", "--pytorch", roi, "--out", model, "--features", "4,8,16", "--min-kidney-share", "1.5");
        Assert.Equal(ExitCodes.BadInput, shareOutOfRange.ExitCode);
        var reimport = await CliRun.Of("import-seg", "--pytorch", stage1, "--out", model, "--features", "4,8,16", "--tile", "16,32,32");
        Assert.True(seg.ExitCode == 0, seg.Stderr);
        Assert.True(run.ExitCode == 0, run.Stderr);
        Assert.True(reimport.ExitCode == 0, reimport.Stderr);
        Assert.Contains("kidney-ROI features 4-8-16, crop 8x16x16", run.Stdout);

        using var loaded = ModelCheckpoint.Load(model);
        Assert.Equal("1.2.0", loaded.Metadata.Version);
        Assert.Equal(new[] { 8, 16, 16 }, loaded.Metadata.Refinement!.CropShape);
        Assert.Equal("test boxes", loaded.Metadata.Refinement.Training.DataDescription);
        Assert.Equal(2, loaded.Metadata.Refinement.MaxMissingPhases);
        Assert.Equal(0.3, loaded.Metadata.Refinement.MinKidneyShare);
        Assert.True(loaded.Metadata.Refinement.LesionKindFromRoi);
        Assert.Equal(30, loaded.Metadata.Refinement.EnhancingCystRiseHu);
        Assert.NotNull(loaded.Refinement);
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var actual = loaded.Refinement.forward(tensor(input, new long[] { 1, 4, 8, 16, 16 })).data<float>().ToArray();
        Assert.True(expected.Zip(actual).Max(p => Math.Abs(p.First - p.Second)) < 1e-4, "TorchSharp logits differ from PyTorch's");
    }
}
