using RenalGrpc.Engine.Preprocessing;
using RenalGrpc.Imaging;
using static TorchSharp.torch;

namespace RenalGrpc.Engine.Tests.Preprocessing;

public sealed class PhasePreprocessorTests
{
    private static readonly Geometry Original = new(new GridSize(20, 16, 6), new Vec3(0.8, 0.8, 5.0), new Vec3(-10, 20, 30), Matrix3.Identity);

    /// <summary>HU of a ball of 200 HU in -1000 HU air, centred in the grid.</summary>
    private static Volume Ball()
    {
        var voxels = new short[Original.VoxelCount];
        var centre = Original.IndexToPhysical(9.5, 7.5, 2.5);
        for (int k = 0; k < 6; k++)
        for (int j = 0; j < 16; j++)
        for (int i = 0; i < 20; i++)
        {
            bool inside = (Original.IndexToPhysical(i, j, k) - centre).Length < 6.5;
            voxels[Original.Size.Index(i, j, k)] = (short)(inside ? 200 : -1000);
        }
        return Volume.FromVoxels<short>(Original, voxels);
    }

    [Fact]
    public void ClipsAndZScoresWithThePaperConstants()
    {
        var n = IntensityNormalization.Paper;
        Assert.Equal((float)((347 - 112.75) / 97.87), n.Apply(3000));
        Assert.Equal((float)((-40 - 112.75) / 97.87), n.Apply(-1000));
        Assert.Equal((float)((100 - 112.75) / 97.87), n.Apply(100));
    }

    [Fact]
    public void ResamplesToModelSpacingPadsToTheTileAndRecordsEverything()
    {
        var pre = new PhasePreprocessor(new Vec3(1.6, 1.6, 2.5), IntensityNormalization.Paper, minimumShape: new[] { 16, 16, 16 });
        using var phase = pre.Run(Ball());
        var r = phase.Record;
        Assert.Equal(new GridSize(10, 8, 12), r.Resampled.Size); // 16 mm / 1.6, 12.8 mm / 1.6, 30 mm / 2.5
        Assert.Equal(new[] { 2, 4, 3 }, r.PadBefore);             // z 12 -> 16, y 8 -> 16, x 10 -> 16
        Assert.Equal(new[] { 2, 4, 3 }, r.PadAfter);
        Assert.Equal(new long[] { 1, 16, 16, 16 }, phase.Image.shape);
        Assert.True(r.WasResampled && r.WasPadded);
        // The padded grid keeps the resampled voxels where they were in patient space.
        var first = r.Resampled.IndexToPhysical(0, 0, 0);
        var same = r.ModelGrid.IndexToPhysical(3, 4, 2);
        Assert.True((first - same).Length < 1e-9);
        // Padding is "air" in normalised units; the ball centre reads 200 HU normalised.
        Assert.Equal(r.Normalization.Lowest, phase.Image[0, 0, 0, 0].item<float>());
        Assert.Equal(IntensityNormalization.Paper.Apply(200), phase.Image[0, 8, 8, 8].item<float>(), 4);
    }

    [Fact]
    public void AntiAliasingSmoothsAFinerImageBeforeResamplingAndRecordsTheSd()
    {
        // Noise around 50 HU on a 0.8 x 0.8 x 5 mm grid read at 3.2 x 3.2 x 2.5 mm: the in-plane axes are
        // downsampled (sd (4 - 1) / 2 = 1.5 voxels), z is not.
        var random = new Random(4);
        var voxels = new short[Original.VoxelCount];
        for (int n = 0; n < voxels.Length; n++) voxels[n] = (short)(50 + random.Next(-40, 41));
        var noisy = Volume.FromVoxels<short>(Original, voxels);
        var plain = new PhasePreprocessor(new Vec3(3.2, 3.2, 2.5), IntensityNormalization.Paper);
        var smoothing = new PhasePreprocessor(new Vec3(3.2, 3.2, 2.5), IntensityNormalization.Paper, antiAliasing: true);
        using var a = plain.Run(noisy);
        using var b = smoothing.Run(noisy);
        Assert.Equal(default, a.Record.SmoothingSigma);
        Assert.Equal(new Vec3(1.5, 1.5, 0), b.Record.SmoothingSigma);
        Assert.Equal(a.Record.ModelGrid, b.Record.ModelGrid);
        double Sd(Tensor t) => t.std().item<float>();
        Assert.True(Sd(b.Image) < 0.5 * Sd(a.Image), $"smoothed sd {Sd(b.Image)} vs plain {Sd(a.Image)}");
        // The mean stays (within 3 HU; the grid's edges are repeated outwards, not wrapped).
        Assert.InRange(b.Image.mean().item<float>() - a.Image.mean().item<float>(), -0.03, 0.03);
    }

    [Fact]
    public void ProbabilitiesComeBackToTheOriginalGrid()
    {
        var ball = Ball();
        var pre = new PhasePreprocessor(new Vec3(1.6, 1.6, 2.5), IntensityNormalization.Paper, minimumShape: new[] { 16, 16, 16 });
        using var phase = pre.Run(ball);
        using var scope = NewDisposeScope();
        // A perfect "network": class 1 where the image is above 80 HU, midway between the clipped air (-40) and the ball (200).
        var foreground = (phase.Image[0] > IntensityNormalization.Paper.Apply(80)).to(ScalarType.Float32);
        var probabilities = stack(new[] { 1 - foreground, foreground }, 0);
        var labels = OriginalGridMapper.ProbabilitiesToLabels(probabilities, phase.Record);
        Assert.True(labels.Geometry.IsSameGrid(Original));
        var truth = ball.Voxels<short>();
        var mapped = labels.Voxels<byte>();
        int agree = 0;
        for (int n = 0; n < truth.Length; n++) if ((truth[n] > 0) == (mapped[n] == 1)) agree++;
        int truthCount = 0, mappedCount = 0;
        for (int n = 0; n < truth.Length; n++) { if (truth[n] > 0) truthCount++; if (mapped[n] == 1) mappedCount++; }
        Assert.True(agree >= truth.Length * 0.97, $"{agree} of {truth.Length} voxels agree ({truthCount} in the ball, {mappedCount} mapped, {foreground.sum().item<float>()} on the model grid)");
        var nearest = OriginalGridMapper.LabelsToOriginal(foreground.to(ScalarType.Byte), phase.Record);
        Assert.True(nearest.Geometry.IsSameGrid(Original));
    }

    [Fact]
    public void PredictionOnTheWrongGridIsRefused()
    {
        var pre = new PhasePreprocessor(new Vec3(1.6, 1.6, 2.5), IntensityNormalization.Paper);
        using var phase = pre.Run(Ball());
        using var wrong = zeros(new long[] { 2, 3, 3, 3 });
        Assert.Throws<ArgumentException>(() => OriginalGridMapper.ProbabilitiesToLabels(wrong, phase.Record));
    }
}
