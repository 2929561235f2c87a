using TorchSharp;
using static TorchSharp.torch;

namespace RenalGrpc.Training.Segmentation;

/// <summary>
/// On-the-fly augmentation of a batch (B x 1 x Z x Y x X images, B x Z x Y x X labels), every draw
/// taken from the step's seeded Random so a run is reproducible and resumes identically:
/// left-right / front-back flips, small in-plane rotations and scalings (affine_grid +
/// grid_sample; nearest for labels), intensity scale and shift, Gaussian noise.
/// </summary>
public static class SegmentationAugmentation
{
    public static (Tensor Images, Tensor Labels) Apply(Tensor images, Tensor labels, SegmentationTrainingOptions options, Random random, float padValue)
    {
        long batch = images.shape[0];
        var imageParts = new List<Tensor>();
        var labelParts = new List<Tensor>();
        for (long b = 0; b < batch; b++)
        {
            var image = images[b].unsqueeze(0);
            var label = labels[b].unsqueeze(0);
            // Flip axes: 4 = x (left-right), 3 = y (front-back) of B x C x Z x Y x X; labels have no channel axis.
            if (random.NextDouble() < 0.5) { image = image.flip(4); label = label.flip(3); }
            if (random.NextDouble() < 0.5) { image = image.flip(3); label = label.flip(2); }
            if (random.NextDouble() < options.RotationScaleProbability)
                (image, label) = RotateScale(image, label, options, random, padValue);
            if (random.NextDouble() < options.IntensityJitterProbability)
            {
                double scale = 1 + (random.NextDouble() * 2 - 1) * 0.1;
                double shift = (random.NextDouble() * 2 - 1) * 0.1;
                using var scaleBy = scale.ToScalar();
                using var shiftBy = shift.ToScalar();
                using var one = 1.ToScalar();
                image = image.mul(scaleBy).add(shiftBy, one);
            }
            if (random.NextDouble() < options.NoiseProbability)
            {
                double sd = random.NextDouble() * 0.1;
                var generator = new Generator((ulong)random.NextInt64(1, long.MaxValue));
                using var sdBy = sd.ToScalar();
                using var one = 1.ToScalar();
                image = image.add(randn(image.shape, generator: generator).mul(sdBy), one);
            }
            imageParts.Add(image);
            labelParts.Add(label);
        }
        return (cat(imageParts, 0), cat(labelParts, 0));
    }

    private static (Tensor Image, Tensor Label) RotateScale(Tensor image, Tensor label, SegmentationTrainingOptions options, Random random, float padValue)
    {
        double angle = (random.NextDouble() * 2 - 1) * options.MaxRotationDegrees * Math.PI / 180;
        double scale = 1 + (random.NextDouble() * 2 - 1) * options.MaxScaleChange;
        double c = Math.Cos(angle) / scale, s = Math.Sin(angle) / scale;
        // affine_grid's theta maps output (x, y, z) to input (x, y, z) in normalised coordinates;
        // x and y have the same spacing and, for square patches, the same extent, so this is a true rotation.
        var theta = tensor(new float[] { (float)c, (float)-s, 0, 0, (float)s, (float)c, 0, 0, 0, 0, 1, 0 }, new long[] { 1, 3, 4 });
        var grid = nn.functional.affine_grid(theta, image.shape, align_corners: false);
        // Shift so that the constant 0 padding of grid_sample becomes the air value.
        using var one = 1.ToScalar();
        using var pad = padValue.ToScalar();
        using var unpad = (-padValue).ToScalar();
        var warped = nn.functional.grid_sample(image.add(unpad, one), grid, GridSampleMode.Bilinear, GridSamplePaddingMode.Zeros, align_corners: false)
            .add(pad, one);
        var warpedLabel = nn.functional.grid_sample(label.unsqueeze(1).to_type(ScalarType.Float32), grid, GridSampleMode.Nearest,
            GridSamplePaddingMode.Zeros, align_corners: false).squeeze(1).to_type(ScalarType.Int64);
        return (warped, warpedLabel);
    }
}
