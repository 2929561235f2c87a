using RenalGrpc.Engine.Registration;
using RenalGrpc.Imaging;
using RenalGrpc.Imaging.Resampling;
using static TorchSharp.torch;

namespace RenalGrpc.Engine.Analysis;

public sealed record AlignmentOptions
{
    public MaskRegistrationOptions Registration { get; init; } = new();

    /// <summary>
    /// The registration grid is the reference phase's kidney region (labels 1-3) on the model
    /// spacing, grown by this much on every side: room for breath-hold shifts (up to about 10 mm
    /// per phase, so 20 mm between two) without paying for the whole abdomen at every Adam step.
    /// </summary>
    public double MarginMm { get; init; } = 30;

    /// <summary>
    /// Coarsest voxel edge of the registration grid: at least the model spacing and at least this.
    /// An affine of whole kidneys needs no finer grid, and each of the ~200 Adam steps costs in
    /// proportion to the voxel count (2.5 mm in-plane took ~75 s per phase on a loaded 2-core CPU).
    /// </summary>
    public double MinimumGridSpacingMm { get; init; } = 4.0;
}

/// <summary>
/// The paper's alignment of one phase onto the reference: both phases' post-processed labels are
/// resampled (nearest, in physical space) onto a common grid, the reference's kidney region at the
/// model spacing; <see cref="MaskAffineRegistration"/> finds the affine of the tumor and
/// kidney+tumor channels; the result is expressed as a reference-LPS to phase-LPS map so that the
/// phase image can then be sampled onto the full-resolution reference grid in one step.
/// </summary>
public sealed class PhaseAligner(Vec3 modelSpacing, AlignmentOptions options)
{
    public AlignmentOptions Options { get; } = options ?? throw new ArgumentNullException(nameof(options));

    /// <summary>
    /// The phase's alignment. When either label map has no kidney or lesion voxel in the common
    /// region there is nothing to register: the phase is taken as is (identity: resampled in
    /// physical space only) and <see cref="PhaseAlignment.Note"/> says why.
    /// </summary>
    public PhaseAlignment Align(string phase, Volume phaseLabels, Volume referenceLabels, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(phaseLabels);
        ArgumentNullException.ThrowIfNull(referenceLabels);
        var common = CommonGrid(referenceLabels);
        if (common is null) return Unregistered(phase, "the reference phase has no kidney: phases are resampled without motion correction");

        var referenceOnCommon = LabelResampler.Resample(referenceLabels, common);
        var phaseOnCommon = LabelResampler.Resample(phaseLabels, common);
        if (!phaseOnCommon.Voxels<byte>().ContainsAnyExcept((byte)0))
            return Unregistered(phase, $"phase {phase} has no kidney near the reference kidneys: resampled without motion correction");

        using var scope = NewDisposeScope();
        var shape = new long[] { common.Size.K, common.Size.J, common.Size.I };
        var moving = MaskAffineRegistration.MaskChannels(tensor(phaseOnCommon.Buffer, shape));
        var reference = MaskAffineRegistration.MaskChannels(tensor(referenceOnCommon.Buffer, shape));
        var result = MaskAffineRegistration.Register(moving, reference, Options.Registration, cancellationToken);
        return new PhaseAlignment(phase, result.Transform, result.InitialDice, result.FinalDice, ToLps(result.Transform, common), common)
        {
            KidneyDice = KidneyOverlap(moving, reference, result.Transform),
        };
    }

    /// <summary>
    /// Dice of the kidney+masses channel (labels 1-3) between the reference and the phase moved by the
    /// transform (nearest), on the common grid. Unlike the registration's mean over two channels it does not
    /// fall when one phase shows a small tumor the other misses; it falls when the phase's kidneys do not land
    /// on the reference's (another region, another patient, a registration gone astray).
    /// </summary>
    private static double KidneyOverlap(Tensor moving, Tensor reference, AffineTransform transform)
    {
        using var scope = NewDisposeScope();
        var warped = MaskAffineRegistration.Warp(moving.narrow(0, 1, 1), transform, nearest: true).unsqueeze(0);
        var fixedKidney = reference.narrow(0, 1, 1).unsqueeze(0);
        return MaskAffineRegistration.MeanSoftDice(warped, fixedKidney, epsilon: 1e-5, squaredDenominator: false).item<float>();
    }

    /// <summary>
    /// The registration transform (normalised coordinates of the common grid, reference to moving)
    /// as a map of LPS points: common-grid normalised coordinates are an affine function of LPS.
    /// </summary>
    public static LpsAffine ToLps(AffineTransform transform, Geometry common)
    {
        ArgumentNullException.ThrowIfNull(transform);
        var size = common.Size;
        // Index n of m voxels sits at (2n + 1) / m - 1 (align_corners = false).
        var indexToNormalized = LpsAffine.Diagonal(new Vec3(2.0 / size.I, 2.0 / size.J, 2.0 / size.K),
            new Vec3(1.0 / size.I - 1, 1.0 / size.J - 1, 1.0 / size.K - 1));
        var lpsToNormalized = indexToNormalized.After(LpsAffine.IndexToPhysical(common).Inverse());
        var theta = transform.Theta;
        var normalizedMap = new LpsAffine(new Matrix3(theta[0], theta[1], theta[2], theta[4], theta[5], theta[6], theta[8], theta[9], theta[10]),
            new Vec3(theta[3], theta[7], theta[11]));
        return lpsToNormalized.Inverse().After(normalizedMap).After(lpsToNormalized);
    }

    /// <summary>The reference's labels 1-3 bounding box grown by the margin, on the model spacing (or the minimum grid spacing), with the reference's directions; null without foreground.</summary>
    public Geometry? CommonGrid(Volume referenceLabels)
    {
        var grid = referenceLabels.Geometry;
        var size = grid.Size;
        var labels = referenceLabels.Voxels<byte>();
        int i0 = int.MaxValue, j0 = int.MaxValue, k0 = int.MaxValue, i1 = -1, j1 = -1, k1 = -1;
        for (int k = 0; k < size.K; k++)
        {
            for (int j = 0; j < size.J; j++)
            {
                var row = labels.Slice((int)size.Index(0, j, k), size.I);
                int first = row.IndexOfAnyExcept((byte)0);
                if (first < 0) continue;
                i0 = Math.Min(i0, first);
                i1 = Math.Max(i1, row.LastIndexOfAnyExcept((byte)0));
                j0 = Math.Min(j0, j);
                j1 = Math.Max(j1, j);
                k0 = Math.Min(k0, k);
                k1 = Math.Max(k1, k);
            }
        }
        if (i1 < 0) return null;
        // Box in the reference's index axes, in mm from its first voxel centre, grown by the margin.
        var low = new Vec3(i0 * grid.Spacing.X, j0 * grid.Spacing.Y, k0 * grid.Spacing.Z) - new Vec3(Options.MarginMm, Options.MarginMm, Options.MarginMm);
        var high = new Vec3(i1 * grid.Spacing.X, j1 * grid.Spacing.Y, k1 * grid.Spacing.Z) + new Vec3(Options.MarginMm, Options.MarginMm, Options.MarginMm);
        var spacing = new Vec3(Math.Max(modelSpacing.X, Options.MinimumGridSpacingMm),
            Math.Max(modelSpacing.Y, Options.MinimumGridSpacingMm), Math.Max(modelSpacing.Z, Options.MinimumGridSpacingMm));
        var commonSize = new GridSize(
            (int)Math.Ceiling((high.X - low.X) / spacing.X) + 1,
            (int)Math.Ceiling((high.Y - low.Y) / spacing.Y) + 1,
            (int)Math.Ceiling((high.Z - low.Z) / spacing.Z) + 1);
        var origin = grid.Origin + grid.Direction * low;
        return new Geometry(commonSize, spacing, origin, grid.Direction);
    }

    private static PhaseAlignment Unregistered(string phase, string note) =>
        new(phase, AffineTransform.Identity, double.NaN, double.NaN, LpsAffine.Identity, null, note);
}
