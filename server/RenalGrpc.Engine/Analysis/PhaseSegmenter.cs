using System.Diagnostics;
using RenalGrpc.Engine.Checkpoints;
using RenalGrpc.Engine.Inference;
using RenalGrpc.Engine.Model;
using RenalGrpc.Engine.Preprocessing;
using RenalGrpc.Imaging;
using static TorchSharp.torch;

namespace RenalGrpc.Engine.Analysis;

/// <summary>
/// Labels of one phase on its own grid (uint8, KiTS23 values) before post-processing, with the
/// record of how the network input was made (null for segmenters that use no network) and the
/// seconds spent preparing the input.
/// </summary>
public sealed record PhaseSegmentation(Volume Labels, PreprocessingRecord? Preprocessing, double PreprocessingSeconds);

/// <summary>
/// Stage 1 for one phase. An interface so that tests, evaluation and the edit loop can plug in
/// ground truth or another model. Called synchronously on the analysis thread.
/// </summary>
public interface IPhaseSegmenter
{
    /// <param name="phase">"N", "A", "P" or "D".</param>
    /// <param name="image">The phase's HU volume on its own grid.</param>
    /// <param name="mirrorTta">Run mirror test-time augmentation.</param>
    /// <param name="progress">Stage (Preprocessing or Segmentation) and the fraction done within it.</param>
    /// <param name="searchRegion">Where the kidneys can be (patient space), when another phase of the study has
    /// shown it; a segmenter may label only inside it. Null: anywhere.</param>
    PhaseSegmentation Segment(string phase, Volume image, bool mirrorTta, Action<AnalysisStage, double>? progress,
        CancellationToken cancellationToken, PhysicalBox? searchRegion = null);
}

/// <summary>
/// The shared 3-D U-Net on one phase: resample to the model spacing with clip + z-score and
/// crop to the body (<see cref="PhasePreprocessor"/>), Gaussian-weighted sliding window, class probabilities back
/// onto the phase's grid and argmax there (<see cref="OriginalGridMapper"/>). Every tensor lives in
/// one dispose scope per call (and one per tile inside the predictor).
/// </summary>
public sealed class NetworkPhaseSegmenter : IPhaseSegmenter, IDisposable
{
    private readonly SegmentationUNet network;
    private readonly bool ownsNetwork;
    private readonly PhasePreprocessor preprocessor;
    private readonly int[] tileShape;

    /// <param name="model">The checkpoint; its float32 network is used as it is for <see cref="InferencePrecision.Float32"/>.</param>
    /// <param name="precision">Other precisions run on a converted copy that this segmenter owns.</param>
    /// <param name="stepFraction">Sliding-window step as a fraction of the tile.</param>
    /// <param name="bodyCrop">Crop the input to the body first; null: the whole field of view.</param>
    public NetworkPhaseSegmenter(LoadedModel model, InferencePrecision precision = InferencePrecision.Float32, double stepFraction = 0.5,
        BodyCrop? bodyCrop = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (!(stepFraction > 0 && stepFraction <= 1)) throw new ArgumentOutOfRangeException(nameof(stepFraction), stepFraction, "the step must be in (0, 1] of a tile");
        StepFraction = stepFraction;
        var metadata = model.Metadata;
        tileShape = metadata.TileShape.ToArray();
        Precision = precision = PrecisionProbe.Resolve(precision, model.Segmentation, tileShape);
        ownsNetwork = precision != InferencePrecision.Float32;
        network = ownsNetwork ? PrecisionCopy.Of(model.Segmentation, precision) : model.Segmentation;
        preprocessor = new PhasePreprocessor(new Vec3(metadata.SpacingMm[0], metadata.SpacingMm[1], metadata.SpacingMm[2]),
            metadata.Normalization, tileShape, bodyCrop, metadata.AntiAliasing);
    }

    /// <summary>The precision the forwards run at (<see cref="InferencePrecision.Auto"/> resolved).</summary>
    public InferencePrecision Precision { get; }

    public double StepFraction { get; }

    public PhaseSegmentation Segment(string phase, Volume image, bool mirrorTta, Action<AnalysisStage, double>? progress,
        CancellationToken cancellationToken, PhysicalBox? searchRegion = null)
    {
        ArgumentNullException.ThrowIfNull(image);
        cancellationToken.ThrowIfCancellationRequested();
        using var scope = NewDisposeScope();
        var clock = Stopwatch.StartNew();
        progress?.Invoke(AnalysisStage.Preprocessing, 0);
        var prepared = preprocessor.Run(image, searchRegion);
        double preprocessingSeconds = clock.Elapsed.TotalSeconds;
        progress?.Invoke(AnalysisStage.Preprocessing, 1);
        cancellationToken.ThrowIfCancellationRequested();

        var predictor = new SlidingWindowPredictor(network, new SlidingWindowOptions
        {
            TileShape = tileShape,
            MirrorAxes = mirrorTta ? [0, 1, 2] : [],
            StepFraction = StepFraction,
            PadValue = prepared.Record.PadValue,
        });
        progress?.Invoke(AnalysisStage.Segmentation, 0);
        var probabilities = predictor.Predict(prepared.Image, cancellationToken,
            fraction => progress?.Invoke(AnalysisStage.Segmentation, 0.95 * fraction));
        var labels = OriginalGridMapper.ProbabilitiesToLabels(probabilities, prepared.Record);
        progress?.Invoke(AnalysisStage.Segmentation, 1);
        return new PhaseSegmentation(labels, prepared.Record, preprocessingSeconds);
    }

    public void Dispose()
    {
        if (ownsNetwork) network.Dispose();
    }
}
