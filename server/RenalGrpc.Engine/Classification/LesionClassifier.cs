using RenalGrpc.Engine.Model;
using RenalGrpc.Engine.Preprocessing;
using RenalGrpc.Imaging;
using RenalGrpc.Imaging.Components;
using static TorchSharp.torch;

namespace RenalGrpc.Engine.Classification;

/// <summary>One lesion's subtype probabilities (ccRCC, pRCC, chRCC, oncocytoma, AML) and the inputs they came from.</summary>
public sealed record LesionClassification(
    IReadOnlyList<double> Probabilities,
    IReadOnlyList<PhaseTriplet> Triplets,
    IReadOnlyDictionary<string, SliceBox> Crops);

/// <summary>
/// Stage 2 for one lesion: per phase the crop of the largest lesion slice (<see cref="LesionCrops"/>),
/// the paper's phase triplets (<see cref="PhaseTriplets"/>) as one batch, the classifier in eval
/// mode without gradients, softmax per triplet and the mean over triplets (and over the classifier
/// members of an ensemble, each weighing the same). Synchronous, one dispose scope per call (scopes
/// and no_grad are per thread: never call it across an await).
/// </summary>
public sealed class LesionClassifier
{
    private readonly IReadOnlyList<SubtypeClassifier> networks;

    public LesionClassifier(SubtypeClassifier network, CropOptions crop, IntensityNormalization normalization)
        : this([network], crop, normalization)
    {
    }

    /// <param name="networks">One classifier, or the members of an ensemble (softmax averaged).</param>
    public LesionClassifier(IReadOnlyList<SubtypeClassifier> networks, CropOptions crop, IntensityNormalization normalization)
    {
        ArgumentNullException.ThrowIfNull(networks);
        ArgumentNullException.ThrowIfNull(crop);
        ArgumentNullException.ThrowIfNull(normalization);
        if (networks.Count == 0 || networks.Any(n => n is null)) throw new ArgumentException("at least one classifier network is needed, and none may be null");
        crop.Validate();
        normalization.Validate();
        foreach (var network in networks)
            if (network.Options.InputChannels != PhaseTriplets.InputChannels)
                throw new ArgumentException($"the classifier takes {network.Options.InputChannels} channels; phase triplets with the mask give {PhaseTriplets.InputChannels}");
        this.networks = networks.ToArray();
        Crop = crop;
        Normalization = normalization;
    }

    /// <summary>How many networks vote.</summary>
    public int Members => networks.Count;

    public CropOptions Crop { get; }
    public IntensityNormalization Normalization { get; }

    /// <summary>
    /// Classifies a lesion given as a mask on the grid shared by every phase image (e.g. the
    /// reference grid after alignment). Null when the mask is empty. Phases whose images carry no
    /// lesion voxel on the chosen slice cannot happen on one grid, but would be left out.
    /// </summary>
    public LesionClassification? Classify(IReadOnlyDictionary<string, Volume> phaseImages, ReadOnlySpan<byte> lesionMask)
    {
        ArgumentNullException.ThrowIfNull(phaseImages);
        if (phaseImages.Count == 0) return null;
        var areas = LesionCrops.SliceAreas(lesionMask, phaseImages.Values.First().Size);
        var slices = new List<Dictionary<string, LesionCrop>>();
        foreach (int k in LesionCrops.SlicesToClassify(areas, 0, Crop.SliceAverageShare))
        {
            var crops = new Dictionary<string, LesionCrop>(StringComparer.Ordinal);
            foreach (var (phase, image) in phaseImages)
            {
                var crop = LesionCrops.CropSlice(image, lesionMask, k, Crop, Normalization);
                if (crop is not null) crops[phase] = crop;
            }
            slices.Add(crops);
        }
        return FromSlices(slices);
    }

    /// <summary>
    /// The same classification for a lesion kept as runs (e.g. by the edit loop): the slices are
    /// found from the runs and only those slices' masks are made, so the result equals
    /// <see cref="Classify(IReadOnlyDictionary{string, Volume}, ReadOnlySpan{byte})"/> on the lesion's mask.
    /// </summary>
    public LesionClassification? Classify(IReadOnlyDictionary<string, Volume> phaseImages, ComponentRuns lesion)
    {
        ArgumentNullException.ThrowIfNull(phaseImages);
        ArgumentNullException.ThrowIfNull(lesion);
        var slices = new List<Dictionary<string, LesionCrop>>();
        foreach (int k in LesionCrops.SlicesToClassify(lesion.SliceAreas(), lesion.Bounds.K0, Crop.SliceAverageShare))
        {
            var sliceMask = lesion.SliceMask(k);
            var crops = new Dictionary<string, LesionCrop>(StringComparer.Ordinal);
            foreach (var (phase, image) in phaseImages)
            {
                if (image.Size != lesion.Size) throw new ArgumentException($"phase {phase} ({image.Size}) is not on the lesion's grid ({lesion.Size})");
                var crop = LesionCrops.CropInSlice(image, sliceMask, k, Crop, Normalization);
                if (crop is not null) crops[phase] = crop;
            }
            slices.Add(crops);
        }
        return FromSlices(slices);
    }

    /// <summary>
    /// The mean of each slice's classification (slices[0] = the largest, whose triplets and crop
    /// boxes the result reports); null when the largest slice gave no crop.
    /// </summary>
    private LesionClassification? FromSlices(List<Dictionary<string, LesionCrop>> slices)
    {
        if (slices.Count == 0) return null;
        var largest = FromCrops(slices[0]);
        if (largest is null || slices.Count == 1) return largest;
        var sum = largest.Probabilities.ToArray();
        int count = 1;
        foreach (var crops in slices.Skip(1))
        {
            if (FromCrops(crops) is not { } other) continue;
            for (int c = 0; c < sum.Length; c++) sum[c] += other.Probabilities[c];
            count++;
        }
        return largest with { Probabilities = sum.Select(p => p / count).ToArray() };
    }

    /// <summary>The classification of crops already cut (one per phase; e.g. training's validation crops); null when there are none.</summary>
    public LesionClassification? FromCrops(IReadOnlyDictionary<string, LesionCrop> crops)
    {
        ArgumentNullException.ThrowIfNull(crops);
        if (crops.Count == 0) return null;
        var triplets = PhaseTriplets.For(crops.Keys);
        var batch = PhaseTriplets.Batch(triplets, crops);
        int items = triplets.Count;
        if (Crop.JitterAverage)
        {
            var box = crops.Values.First().Box;
            (batch, items) = WithJitter(batch, CropJitter.AllDraws(box.Width, box.Height, Crop.Size), Crop.Size);
        }
        var probabilities = Crop.FlipAverage
            ? Predict(WithFlips(batch, PhaseTriplets.InputChannels, Crop.Size), 4 * items)
            : Predict(batch, items);
        return new LesionClassification(probabilities, triplets, crops.ToDictionary(c => c.Key, c => c.Value.Box));
    }

    /// <summary>Each item of a batch of 4 x size x size stacks (mask last) as every draw makes it; returns the batch and its item count.</summary>
    public static (float[] Batch, int Items) WithJitter(float[] batch, IReadOnlyList<JitterDraw> draws, int size)
    {
        ArgumentNullException.ThrowIfNull(batch);
        ArgumentNullException.ThrowIfNull(draws);
        int item = PhaseTriplets.InputChannels * size * size;
        if (size < 1 || batch.Length % item != 0 || draws.Count == 0) throw new ArgumentException($"{batch.Length} values are not whole items of {PhaseTriplets.InputChannels} x {size} x {size}, or no draws");
        var result = new float[batch.Length * draws.Count];
        int n = 0;
        for (int source = 0; source < batch.Length; source += item)
            foreach (var draw in draws)
                CropJitter.Apply(batch.AsSpan(source, item), size, draw).CopyTo(result, item * n++);
        return (result, n);
    }

    /// <summary>
    /// Each item of an items x channels x size x size batch followed by its copies flipped along rows,
    /// along columns and along both.
    /// </summary>
    public static float[] WithFlips(float[] batch, int channels, int size)
    {
        ArgumentNullException.ThrowIfNull(batch);
        int item = channels * size * size;
        if (channels < 1 || size < 1 || batch.Length % item != 0) throw new ArgumentException($"{batch.Length} values are not whole items of {channels} x {size} x {size}");
        var result = new float[4 * batch.Length];
        for (int n = 0; n < batch.Length / item; n++)
            for (int flip = 0; flip < 4; flip++)
            {
                bool rows = (flip & 1) != 0, columns = (flip & 2) != 0;
                int source = n * item, target = (4 * n + flip) * item;
                for (int c = 0; c < channels; c++)
                    for (int r = 0; r < size; r++)
                        for (int col = 0; col < size; col++)
                            result[target + (c * size + r) * size + col] =
                                batch[source + (c * size + (rows ? size - 1 - r : r)) * size + (columns ? size - 1 - col : col)];
            }
        return result;
    }

    /// <summary>Mean softmax over a Triplets x 4 x Size x Size batch (and over the members).</summary>
    public double[] Predict(float[] batch, int count)
    {
        ArgumentNullException.ThrowIfNull(batch);
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var input = tensor(batch, new long[] { count, PhaseTriplets.InputChannels, Crop.Size, Crop.Size });
        // Every member sees the same items, so the mean over all their softmax rows is the mean of the members' means.
        var rows = networks.Select(network =>
        {
            network.eval();
            return network.forward(input).softmax(1);
        }).ToArray();
        var mean = cat(rows, 0).mean(new long[] { 0 }).to(ScalarType.Float64).contiguous();
        return mean.data<double>().ToArray();
    }
}
