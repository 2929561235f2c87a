using RenalGrpc.Engine.Preprocessing;
using RenalGrpc.Imaging;
using RenalGrpc.Imaging.Resampling;
using static TorchSharp.torch;

namespace RenalGrpc.Engine.Tests.Preprocessing;

public sealed class OriginalGridMapperTests
{
    private static PreprocessingRecord Record(bool oblique)
    {
        double angle = oblique ? 0.2 : 0;
        var direction = Matrix3.FromColumns(new Vec3(Math.Cos(angle), Math.Sin(angle), 0), new Vec3(-Math.Sin(angle), Math.Cos(angle), 0), new Vec3(0, 0, 1));
        var original = new Geometry(new GridSize(40, 32, 12), new Vec3(0.7, 0.7, 3.0), new Vec3(-5, 7, 11), direction);
        var pre = new PhasePreprocessor(new Vec3(1.6, 1.6, 2.5), IntensityNormalization.Paper, minimumShape: new[] { 16, 16, 16 });
        using var phase = pre.Run(Volume.FromVoxels<short>(original, new short[original.VoxelCount]));
        return phase.Record;
    }

    /// <summary>What the mapper did before it learnt to skip background: every class over the whole grid.</summary>
    private static byte[] FullGridArgmax(Tensor probabilities, PreprocessingRecord record)
    {
        var best = new float[record.Original.VoxelCount];
        Array.Fill(best, float.NegativeInfinity);
        var labels = new byte[best.Length];
        for (int c = 0; c < probabilities.shape[0]; c++)
        {
            var onModel = Volume.FromVoxels<float>(record.ModelGrid, probabilities[c].contiguous().data<float>().ToArray());
            var values = VolumeResampler.Resample(onModel, record.Original, Interpolation.Linear, 0, SourceBounds.EdgeVoxelFaces).Voxels<float>();
            for (int n = 0; n < values.Length; n++)
            {
                if (values[n] > best[n]) { best[n] = values[n]; labels[n] = (byte)c; }
            }
        }
        return labels;
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void LabelsEqualAResamplingOfTheWholeGrid(bool oblique)
    {
        using var scope = NewDisposeScope();
        var record = Record(oblique);
        var shape = record.ModelShape;
        var logits = 0.5f * randn(new long[] { 4 }.Concat(shape).ToArray(), generator: new Generator(11));
        logits[0].add_(4); // background wins clearly almost everywhere ...
        logits[2, TensorIndex.Slice(5, 9), TensorIndex.Slice(6, 10), TensorIndex.Slice(4, 8)].add_(8); // ... but in a tumour
        logits[1, TensorIndex.Slice(11, 13), TensorIndex.Slice(11, 13), TensorIndex.Slice(13, 15)].add_(9); // and a small kidney block apart from it
        var probabilities = logits.softmax(0);

        var labels = OriginalGridMapper.ProbabilitiesToLabels(probabilities, record).Voxels<byte>();
        var expected = FullGridArgmax(probabilities, record);

        Assert.Equal(expected, labels.ToArray());
        Assert.Contains((byte)2, expected);
        Assert.Contains((byte)1, expected);
        Assert.True(expected.Count(v => v == 0) > expected.Length / 2);
    }

    [Fact]
    public void AllBackgroundGivesAnEmptyMap()
    {
        using var scope = NewDisposeScope();
        var record = Record(oblique: true);
        var shape = record.ModelShape;
        var logits = zeros(new long[] { 4 }.Concat(shape).ToArray());
        logits[0].add_(1);
        var labels = OriginalGridMapper.ProbabilitiesToLabels(logits.softmax(0), record);
        Assert.Equal(record.Original, labels.Geometry);
        Assert.All(labels.Voxels<byte>().ToArray(), v => Assert.Equal(0, v));
    }
}
