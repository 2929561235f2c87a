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
        Assert.Same(result, PrecisionProbe.Result); // measured once per process
        // A copy is made at a resolved precision only: Auto depends on the network it is asked for.
        Assert.Throws<ArgumentException>(() => PrecisionCopy.ScalarTypeOf(InferencePrecision.Auto));
    }

    [Theory]
    [InlineData(InferencePrecision.Float32)]
    [InlineData(InferencePrecision.BFloat16)]
    public void A_precision_that_was_set_is_kept(InferencePrecision precision)
    {
        Assert.Equal(precision, PrecisionProbe.Resolve(precision));
        using var network = new SegmentationUNet(ModelArchitectureTests.TinyUNet);
        Assert.Equal(precision, PrecisionProbe.Resolve(precision, network, new[] { 8, 16, 16 }));
    }

    [Fact]
    public void Auto_for_a_network_is_float32_where_the_convolution_rules_bfloat16_out_else_the_networks_own_timing()
    {
        using var scope = NewDisposeScope();
        using var network = new SegmentationUNet(ModelArchitectureTests.TinyUNet);
        var tile = new[] { 8, 16, 16 };
        var chosen = PrecisionProbe.Resolve(InferencePrecision.Auto, network, tile);
        var measured = PrecisionProbe.NetworkResult(network, tile);
        if (PrecisionProbe.Result.Chosen == InferencePrecision.Float32)
        {
            Assert.Null(measured); // nothing timed: bfloat16 is out
            Assert.Equal(InferencePrecision.Float32, chosen);
            return;
        }
        // The convolution looked faster in bfloat16: the network was timed on the tile, and decided.
        Assert.NotNull(measured);
        Assert.Equal("the network on one 8x16x16 tile", measured.Workload);
        Assert.True(measured.Float32Milliseconds > 0 && measured.BFloat16Milliseconds > 0, $"{measured}");
        var expected = measured.BFloat16Milliseconds * PrecisionProbe.RequiredSpeedUp < measured.Float32Milliseconds
            ? InferencePrecision.BFloat16 : InferencePrecision.Float32;
        Assert.Equal(expected, chosen);
        // Measured once per network shape and tile: a second network of the same shape reuses it.
        using var twin = new SegmentationUNet(ModelArchitectureTests.TinyUNet);
        Assert.Same(measured, PrecisionProbe.NetworkResult(twin, tile));
    }

    [Fact]
    public void The_segmenter_and_the_analyzer_report_the_precision_they_run_at()
    {
        using var scope = NewDisposeScope();
        using var model = new LoadedModel(new CheckpointMetadata { Segmentation = ModelArchitectureTests.TinyUNet, TileShape = new[] { 8, 16, 16 } },
            new SegmentationUNet(ModelArchitectureTests.TinyUNet), new SubtypeClassifier(new SubtypeClassifierOptions()), null);
        var expected = PrecisionProbe.Resolve(InferencePrecision.Auto, model.Segmentation, new[] { 8, 16, 16 });
        using var segmenter = new NetworkPhaseSegmenter(model, InferencePrecision.Auto);
        Assert.Equal(expected, segmenter.Precision);
        using var analyzer = new StudyAnalyzer(model);
        Assert.Equal(InferencePrecision.Auto, analyzer.Settings.Precision);
        Assert.Equal(expected, analyzer.Precision);
        using var float32 = new StudyAnalyzer(model, new StudyAnalyzerSettings { Precision = InferencePrecision.Float32 });
        Assert.Equal(InferencePrecision.Float32, float32.Precision);
    }
}
