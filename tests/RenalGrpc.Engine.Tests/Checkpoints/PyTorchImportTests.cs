using System.Runtime.InteropServices;
using System.Text.Json;
using RenalGrpc.Engine.Checkpoints;
using RenalGrpc.Engine.Model;
using RenalGrpc.Engine.Tests.Model;
using RenalGrpc.Imaging.Tests.Support;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace RenalGrpc.Engine.Tests.Checkpoints;

/// <summary>
/// The same U-Net written independently in PyTorch (python/segmentation_unet_reference.py, run with
/// Debian's python3-torch) must give the same output once its state_dict is loaded here.
/// </summary>
public sealed class PyTorchImportTests(ITestOutputHelper output) : IDisposable
{
    private readonly string folder = Path.Combine(Path.GetTempPath(), "renal-pyref-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(folder)) Directory.Delete(folder, recursive: true);
    }

    private static Tensor ReadFloats(string path, long[] shape)
    {
        var floats = MemoryMarshal.Cast<byte, float>(File.ReadAllBytes(path)).ToArray();
        return tensor(floats, shape);
    }

    [Fact]
    public void WeightsSavedByPyTorchGiveTheSameOutputInTorchSharp()
    {
        var script = Path.Combine(AppContext.BaseDirectory, "python", "segmentation_unet_reference.py");
        ExternalProcess.Run(ReferencePython.Executable, new[] { script, folder }, timeout: TimeSpan.FromMinutes(2));
        using var info = JsonDocument.Parse(File.ReadAllText(Path.Combine(folder, "shapes.json")));
        long[] Shape(string name) => info.RootElement.GetProperty(name).EnumerateArray().Select(e => e.GetInt64()).ToArray();

        using var scope = NewDisposeScope();
        using var net = PyTorchWeightsImport.LoadStateDict(new SegmentationUNet(ModelArchitectureTests.TinyUNet), Path.Combine(folder, "unet_state_dict.pt"));
        net.eval();
        var input = ReadFloats(Path.Combine(folder, "input.f32"), Shape("input"));
        var expected = ReadFloats(Path.Combine(folder, "output.f32"), Shape("output"));
        using var noGrad = no_grad();
        var actual = net.forward(input);
        double maxDiff = (actual - expected).abs().max().item<float>();
        output.WriteLine($"PyTorch {info.RootElement.GetProperty("torch").GetString()} vs TorchSharp: max |diff| {maxDiff:E2} over {expected.numel()} logits");
        Assert.Equal(expected.shape, actual.shape);
        Assert.True(maxDiff < 1e-4, $"max abs diff {maxDiff}");
        Assert.True(expected.abs().max().item<float>() > 0.1f); // the reference output is not trivially zero
    }

    [Fact]
    public void StateDictOfAnotherArchitectureIsRefusedWithThePath()
    {
        var script = Path.Combine(AppContext.BaseDirectory, "python", "segmentation_unet_reference.py");
        ExternalProcess.Run(ReferencePython.Executable, new[] { script, folder }, timeout: TimeSpan.FromMinutes(2));
        var path = Path.Combine(folder, "unet_state_dict.pt");
        using var wider = new SegmentationUNet(ModelArchitectureTests.TinyUNet with { Features = new[] { 4, 8, 32 } });
        var error = Assert.Throws<ModelCheckpointException>(() => PyTorchWeightsImport.LoadStateDict(wider, path));
        Assert.Equal(path, error.Path);
        Assert.Contains("encoder.2.conv1.weight", error.Problem); // the first tensor whose shape differs
        using var classifier = new SubtypeClassifier(new SubtypeClassifierOptions { Widths = new[] { 4 }, BlocksPerStage = new[] { 1 } });
        Assert.Contains("keys do not match", Assert.Throws<ModelCheckpointException>(() => PyTorchWeightsImport.LoadStateDict(classifier, path)).Problem);
        var notAZip = Path.Combine(folder, "input.f32");
        Assert.Throws<ModelCheckpointException>(() => PyTorchWeightsImport.LoadStateDict(new SegmentationUNet(ModelArchitectureTests.TinyUNet), notAZip));
    }
}
