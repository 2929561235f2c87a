using RenalGrpc.Imaging.Resampling;
using RenalGrpc.Imaging.Tests.Support;

namespace RenalGrpc.Imaging.Tests.Resampling;

/// <summary>Our separable Gaussian against scipy.ndimage.gaussian_filter (mode='nearest', truncate=4), and the anti-aliasing rule.</summary>
public sealed class GaussianSmoothingTests
{
    private const string Script = """
import sys
import numpy as np
from scipy import ndimage as nd
I, J, K = (int(v) for v in sys.argv[2:5])
sigma = [float(v) for v in sys.argv[5:8]]
a = np.fromfile(sys.argv[1], dtype='<f4').reshape(K, J, I).astype(np.float64)
# scipy's sigma is per array axis: (k, j, i).
out = nd.gaussian_filter(a, sigma=sigma[::-1], mode='nearest', truncate=4.0)
out.astype('<f8').tofile(sys.argv[1] + '.out')
""";

    private static double[] Scipy(float[] values, GridSize size, Vec3 sigma)
    {
        var dir = Directory.CreateTempSubdirectory("renal-smooth-");
        try
        {
            var path = Path.Combine(dir.FullName, "in.raw");
            var bytes = new byte[values.Length * 4];
            Buffer.BlockCopy(values, 0, bytes, 0, bytes.Length);
            File.WriteAllBytes(path, bytes);
            ReferencePython.Run(Script, path, $"{size.I}", $"{size.J}", $"{size.K}",
                $"{sigma.X:R}", $"{sigma.Y:R}", $"{sigma.Z:R}");
            var outBytes = File.ReadAllBytes(path + ".out");
            var result = new double[outBytes.Length / 8];
            Buffer.BlockCopy(outBytes, 0, result, 0, outBytes.Length);
            return result;
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [Theory]
    [InlineData(1.17, 1.17, 0.5)]   // a 0.75 x 0.75 x 2.5 mm scan smoothed for a 2.5 x 2.5 x 5 mm model grid
    [InlineData(0.3, 2.0, 0)]       // a one-weight axis is skipped, a wide kernel reaches past a short axis
    [InlineData(3.0, 0, 1.0)]
    public void MatchesScipyGaussianFilter(double si, double sj, double sk)
    {
        var random = new Random(11);
        var size = new GridSize(19, 13, 7);
        var values = new float[size.VoxelCount];
        for (int n = 0; n < values.Length; n++) values[n] = (float)(random.NextDouble() * 400 - 100);
        var expected = Scipy(values, size, new Vec3(si, sj, sk));
        GaussianSmoothing.SmoothInPlace(values, size, new Vec3(si, sj, sk));
        for (int n = 0; n < values.Length; n++)
        {
            if (Math.Abs(expected[n] - values[n]) > 2e-3)
                Assert.Fail($"voxel {n}: scipy {expected[n]}, ours {values[n]}");
        }
    }

    [Fact]
    public void ZeroSigmaLeavesValuesUntouchedAndKernelsSumToOne()
    {
        var values = new float[] { 1, 5, -3, 8, 2, 7 };
        GaussianSmoothing.SmoothInPlace(values, new GridSize(3, 2, 1), default);
        Assert.Equal(new float[] { 1, 5, -3, 8, 2, 7 }, values);
        Assert.Equal([1.0], GaussianSmoothing.Kernel(0));
        var kernel = GaussianSmoothing.Kernel(1.17);
        Assert.Equal(11, kernel.Length);                       // radius floor(4 * 1.17 + 0.5) = 5
        Assert.Equal(1.0, kernel.Sum(), 12);
        Assert.True(kernel[5] > kernel[4] && kernel[4] == kernel[6]);
    }

    [Fact]
    public void AntiAliasingSigmaIsHalfTheFactorAboveOne()
    {
        var sigma = GaussianSmoothing.AntiAliasingSigma(new Vec3(0.75, 0.75, 2.5), new Vec3(2.5, 2.5, 5));
        Assert.Equal((2.5 / 0.75 - 1) / 2, sigma.X, 12);
        Assert.Equal(0.5, sigma.Z, 12);
        // A source already as coarse as the target (the small phantoms: 2.6 mm read at 2.5 mm) is not smoothed.
        Assert.Equal(default, GaussianSmoothing.AntiAliasingSigma(new Vec3(2.6, 2.6, 5), new Vec3(2.5, 2.5, 5)));
        Assert.Throws<ImagingException>(() => GaussianSmoothing.AntiAliasingSigma(new Vec3(0, 1, 1), new Vec3(1, 1, 1)));
        Assert.Throws<ImagingException>(() => GaussianSmoothing.SmoothInPlace(new float[5], new GridSize(2, 2, 1), default));
    }

    [Fact]
    public void SmoothingLowersWhiteNoiseAndKeepsTheMean()
    {
        var random = new Random(3);
        var size = new GridSize(64, 64, 16);
        var values = new float[size.VoxelCount];
        for (int n = 0; n < values.Length; n++) values[n] = (float)(100 + 20 * Gaussian(random));
        double before = Sd(values);
        GaussianSmoothing.SmoothInPlace(values, size, GaussianSmoothing.AntiAliasingSigma(new Vec3(0.75, 0.75, 2.5), new Vec3(2.5, 2.5, 5)));
        Assert.InRange(values.Average(), 99.5, 100.5);
        // White noise through a Gaussian of sd s keeps 1 / sqrt(2 sqrt(pi) s) of its sd per axis: 0.18 here.
        Assert.InRange(Sd(values) / before, 0.15, 0.22);
    }

    private static double Gaussian(Random random) =>
        Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());

    private static double Sd(float[] values)
    {
        double mean = values.Average();
        return Math.Sqrt(values.Sum(v => (v - mean) * (v - mean)) / values.Length);
    }
}
