using RenalGrpc.Imaging;
using RenalGrpc.Imaging.Resampling;
using TorchSharp;
using static TorchSharp.torch;

namespace RenalGrpc.Engine.Preprocessing;

/// <summary>One phase image ready for the network, with the record of how it was made.</summary>
public sealed record PreprocessedPhase(Tensor Image, PreprocessingRecord Record) : IDisposable
{
    public void Dispose() => Image.Dispose();
}

/// <summary>
/// Turns a CT phase volume into network input: clip + z-score, trilinear resampling of the whole
/// field of view to the model spacing, optionally a crop to the body (<see cref="BodyCrop"/>) and
/// to a search region in patient space (a crop smaller than the minimum shape grows to it inside
/// the image), and padding up to the minimum shape (the tile) where the image itself is smaller,
/// so the sliding window never pads with a value the network never saw. With anti-aliasing on, an
/// image finer than the model grid is Gaussian-smoothed over the model voxel's footprint before it is
/// sampled (<see cref="GaussianSmoothing.AntiAliasingSigma"/>), after the clip, so air beyond the
/// window does not bleed into tissue.
/// </summary>
public sealed class PhasePreprocessor
{
    public PhasePreprocessor(Vec3 modelSpacing, IntensityNormalization normalization, int[]? minimumShape = null, BodyCrop? bodyCrop = null,
        bool antiAliasing = false)
    {
        ArgumentNullException.ThrowIfNull(normalization);
        normalization.Validate();
        bodyCrop?.Validate();
        for (int a = 0; a < 3; a++)
        {
            if (!(modelSpacing[a] > 0) || !double.IsFinite(modelSpacing[a]))
                throw new ArgumentException($"model spacing {modelSpacing} must be finite and positive");
        }
        if (minimumShape is not null && (minimumShape.Length != 3 || minimumShape.Any(n => n < 1)))
            throw new ArgumentException("minimum shape must be three positive sizes (z, y, x)");
        ModelSpacing = modelSpacing;
        Normalization = normalization;
        MinimumShape = minimumShape ?? new[] { 1, 1, 1 };
        BodyCrop = bodyCrop;
        AntiAliasing = antiAliasing;
    }

    /// <summary>Smooth an image finer than the model grid before sampling it (off: plain trilinear sampling).</summary>
    public bool AntiAliasing { get; }

    /// <summary>Null: the whole field of view goes to the network.</summary>
    public BodyCrop? BodyCrop { get; }

    /// <summary>Spacing (i, j, k) in mm of the model grid.</summary>
    public Vec3 ModelSpacing { get; }
    public IntensityNormalization Normalization { get; }

    /// <summary>Smallest tensor shape (z, y, x) produced; smaller images are padded symmetrically.</summary>
    public int[] MinimumShape { get; }

    /// <summary>A 1 x Z x Y x X float32 tensor (the caller disposes it) and the record.</summary>
    /// <param name="volume">The phase image (HU).</param>
    /// <param name="searchRegion">Where to look (patient space), e.g. around the kidneys another phase of the
    /// study found; the input is cut to it (and to the body). Null: the whole body.</param>
    public PreprocessedPhase Run(Volume volume, PhysicalBox? searchRegion = null)
    {
        ArgumentNullException.ThrowIfNull(volume);
        // Clip and z-score BEFORE resampling, as nnU-Net does: interpolating raw HU would let
        // -1000 HU air drag thin structures next to it below the window.
        var normalized = volume.ToFloatArray();
        for (int n = 0; n < normalized.Length; n++) normalized[n] = Normalization.Apply(normalized[n]);
        var sigma = AntiAliasing ? GaussianSmoothing.AntiAliasingSigma(volume.Geometry.Spacing, ModelSpacing) : default;
        GaussianSmoothing.SmoothInPlace(normalized, volume.Geometry.Size, sigma);
        var floats = Volume.FromVoxels<float>(volume.Geometry, normalized);
        var target = VolumeResampler.ResampledGeometry(volume.Geometry, ModelSpacing);
        var resampled = target.IsSameGrid(volume.Geometry, 1e-6, 1e-9)
            ? floats
            : VolumeResampler.ToSpacing(floats, ModelSpacing, Interpolation.Linear);
        var values = resampled.Voxels<float>().ToArray();
        float padValue = Normalization.Lowest;

        var size = resampled.Geometry.Size;
        var shape = new[] { size.K, size.J, size.I };
        var cropStart = new int[3];
        var cropped = resampled.Geometry;
        var box = BodyCrop is null ? null : BodyCrop.Find(values, shape, padValue, BodyCrop.MarginVoxels(resampled.Geometry.Spacing));
        PhysicalBox? appliedRegion = null;
        // A search region that misses the field of view or the body is ignored: the whole body is searched.
        if (searchRegion?.InGrid(resampled.Geometry, shape) is { } regionBox
            && (box is null ? regionBox : box.Intersect(regionBox)) is { } limited)
        {
            box = limited;
            appliedRegion = searchRegion;
        }
        box = box?.GrownTo(MinimumShape, shape);
        if (box is not null && !box.Count.SequenceEqual(shape))
        {
            values = BodyCrop.Extract(values, shape, box);
            cropStart = box.Start;
            shape = box.Count;
            cropped = resampled.Geometry with
            {
                Size = new GridSize(shape[2], shape[1], shape[0]),
                Origin = resampled.Geometry.IndexToPhysical(cropStart[2], cropStart[1], cropStart[0]),
            };
        }
        var padBefore = new int[3];
        var padAfter = new int[3];
        for (int a = 0; a < 3; a++)
        {
            int missing = Math.Max(0, MinimumShape[a] - shape[a]);
            padBefore[a] = missing / 2;
            padAfter[a] = missing - padBefore[a];
        }
        var modelGrid = PaddedGeometry(cropped, padBefore, padAfter);

        var image = tensor(values, new long[] { 1, shape[0], shape[1], shape[2] });
        if (padBefore.Any(p => p > 0) || padAfter.Any(p => p > 0))
        {
            var paddedImage = nn.functional.pad(image,
                new long[] { padBefore[2], padAfter[2], padBefore[1], padAfter[1], padBefore[0], padAfter[0] },
                PaddingModes.Constant, padValue);
            image.Dispose();
            image = paddedImage;
        }
        var record = new PreprocessingRecord(volume.Geometry, ModelSpacing, resampled.Geometry, cropStart, cropped, padBefore, padAfter,
            modelGrid, Normalization, padValue, appliedRegion, sigma);
        return new PreprocessedPhase(image, record);
    }

    /// <summary>The grid grown by whole voxels on each side; padding is given per tensor axis (k, j, i).</summary>
    public static Geometry PaddedGeometry(Geometry geometry, int[] padBefore, int[] padAfter)
    {
        var size = new GridSize(geometry.Size.I + padBefore[2] + padAfter[2],
            geometry.Size.J + padBefore[1] + padAfter[1],
            geometry.Size.K + padBefore[0] + padAfter[0]);
        var origin = geometry.IndexToPhysical(-padBefore[2], -padBefore[1], -padBefore[0]);
        return geometry with { Size = size, Origin = origin };
    }
}
