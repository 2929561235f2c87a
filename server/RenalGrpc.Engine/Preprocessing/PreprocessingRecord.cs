using RenalGrpc.Imaging;

namespace RenalGrpc.Engine.Preprocessing;

/// <summary>
/// CT intensity normalisation: clip to [ClipMin, ClipMax] HU, then (x - Mean) / StandardDeviation.
/// <see cref="Paper"/> holds Uhm et al.'s constants.
/// </summary>
public sealed record IntensityNormalization(double ClipMin, double ClipMax, double Mean, double StandardDeviation)
{
    public static IntensityNormalization Paper { get; } = new(-40, 347, 112.75, 97.87);

    public float Apply(double hu) => (float)((Math.Clamp(hu, ClipMin, ClipMax) - Mean) / StandardDeviation);

    /// <summary>What air, fat and anything below the window become: the value used for padding.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public float Lowest => Apply(ClipMin);

    public void Validate()
    {
        if (!double.IsFinite(ClipMin) || !double.IsFinite(ClipMax) || ClipMin >= ClipMax)
            throw new ArgumentException($"clip window [{ClipMin}, {ClipMax}] must be finite with min < max");
        if (!double.IsFinite(Mean) || !(StandardDeviation > 0) || !double.IsFinite(StandardDeviation))
            throw new ArgumentException($"normalisation mean {Mean} / sd {StandardDeviation} must be finite with sd > 0");
    }
}

/// <summary>
/// Everything <see cref="PhasePreprocessor"/> did to one phase image, so that a prediction on the
/// model grid can be taken back to the original grid (<see cref="OriginalGridMapper"/>).
/// Padding is per tensor axis (z, y, x) = (k, j, i) in model-grid voxels.
/// </summary>
/// <param name="Original">The input volume's grid.</param>
/// <param name="ModelSpacing">Requested spacing (i, j, k) in mm.</param>
/// <param name="Resampled">Grid after resampling (same field of view; actual spacing may differ slightly from the request).</param>
/// <param name="CropStart">First voxel (z, y, x) of <see cref="Resampled"/> kept by the body crop (zeros when nothing was cropped).</param>
/// <param name="Cropped">The part of <see cref="Resampled"/> handed on: the body's bounding box plus a margin (within the search region, if any; grown to the minimum shape inside the image), or all of it.</param>
/// <param name="PadBefore">Voxels added before the start of each axis (z, y, x).</param>
/// <param name="PadAfter">Voxels added after the end of each axis (z, y, x).</param>
/// <param name="ModelGrid">The grid of the tensor handed to the network: the cropped grid grown by the padding.</param>
/// <param name="Normalization">Clip window and z-score applied.</param>
/// <param name="PadValue">Normalised value written into padded voxels.</param>
/// <param name="SearchRegion">The patient-space box the crop was limited to (besides the body), or null.</param>
/// <param name="SmoothingSigma">The Gaussian sd (i, j, k) in original voxels applied before resampling (anti-aliasing); zero: none.</param>
public sealed record PreprocessingRecord(
    Geometry Original,
    Vec3 ModelSpacing,
    Geometry Resampled,
    int[] CropStart,
    Geometry Cropped,
    int[] PadBefore,
    int[] PadAfter,
    Geometry ModelGrid,
    IntensityNormalization Normalization,
    float PadValue,
    PhysicalBox? SearchRegion = null,
    Vec3 SmoothingSigma = default)
{
    public bool WasResampled => !Original.IsSameGrid(Resampled);

    public bool WasCropped => !Resampled.IsSameGrid(Cropped);

    public bool WasPadded => PadBefore.Any(p => p > 0) || PadAfter.Any(p => p > 0);

    /// <summary>Tensor shape (z, y, x) of the model grid.</summary>
    public long[] ModelShape => new long[] { ModelGrid.Size.K, ModelGrid.Size.J, ModelGrid.Size.I };
}
