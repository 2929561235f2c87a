using RenalGrpc.Engine.Analysis;
using RenalGrpc.Engine.Checkpoints;
using RenalGrpc.Engine.Inference;
using RenalGrpc.Engine.Model;
using RenalGrpc.Engine.Tests.Model;
using static TorchSharp.torch;

namespace RenalGrpc.Engine.Tests.Inference;

public sealed class PrecisionProbeTests
{
    [Fact]
    public void Auto_picks_bfloat16_only_where_the_probe_timed_it_clearly_faster()
    {
        var result = PrecisionProbe.Result;
        Assert.True(result.Float32Milliseconds > 0 && result.BFloat16Milliseconds > 0, $"{result}");
        var expected = result.BFloat16Milliseconds * PrecisionProbe.RequiredSpeedUp < result.Float32Milliseconds
            ? InferencePrecision.BFloat16 : InferencePrecision.Float32;
        Assert.Equal(expected, result.Chosen);
        Assert.Equal(expected, PrecisionProbe.Resolve(InferencePrecision.Auto));
        Assert.Same(result, PrecisionProbe.Measurement); // measured once per process
        Assert.Equal(PrecisionCopy.ScalarTypeOf(expected), PrecisionCopy.ScalarTypeOf(InferencePrecision.Auto));
    }

    [Theory]
    [InlineData(InferencePrecision.Float32)]
    [InlineData(InferencePrecision.BFloat16)]
    public void A_precision_that_was_set_is_kept(InferencePrecision precision)
    {
        Assert.Equal(precision, PrecisionProbe.Resolve(precision));
    }

    [Fact]
    public void The_segmenter_and_the_analyzer_report_the_precision_they_run_at()
    {
        using var scope = NewDisposeScope();
        using var model = new LoadedModel(new CheckpointMetadata { Segmentation = ModelArchitectureTests.TinyUNet, TileShape = new[] { 8, 16, 16 } },
            new SegmentationUNet(ModelArchitectureTests.TinyUNet), new SubtypeClassifier(new SubtypeClassifierOptions()), null);
        using var segmenter = new NetworkPhaseSegmenter(model, InferencePrecision.Auto);
        Assert.Equal(PrecisionProbe.Result.Chosen, segmenter.Precision);
        using var analyzer = new StudyAnalyzer(model);
        Assert.Equal(InferencePrecision.Auto, analyzer.Settings.Precision);
        Assert.Equal(PrecisionProbe.Result.Chosen, analyzer.Precision);
        using var float32 = new StudyAnalyzer(model, new StudyAnalyzerSettings { Precision = InferencePrecision.Float32 });
        Assert.Equal(InferencePrecision.Float32, float32.Precision);
    }
}
