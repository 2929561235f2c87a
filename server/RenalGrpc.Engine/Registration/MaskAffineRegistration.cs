using RenalGrpc.Imaging;
using TorchSharp;
using static TorchSharp.torch;

namespace RenalGrpc.Engine.Registration;

public sealed record MaskRegistrationOptions
{
    /// <summary>The paper's setting: Adam with lr 1e-3 for about 200 steps.</summary>
    public double LearningRate { get; init; } = 1e-3;
    public int Steps { get; init; } = 200;

    /// <summary>Keeps soft Dice defined for empty channels.</summary>
    public double DiceEpsilon { get; init; } = 1e-5;

    /// <summary>
    /// Soft Dice as 2|A.B| / (|A|^2 + |B|^2) (V-Net) rather than 2|A.B| / (|A| + |B|). With masks
    /// that are fractional at their borders (partial volumes, and every trilinear warp) the linear
    /// form rewards dilating the warped mask, and a 12-parameter affine can dilate: on a synthetic
    /// pair it pulled the optimum about 1 mm off the true motion. The squared form peaks exactly
    /// where the masks are equal (Cauchy-Schwarz). Both equal ordinary Dice on binary masks.
    /// </summary>
    public bool SquaredDenominator { get; init; } = true;
}

/// <param name="Transform">Reference-grid to moving-grid map in normalised coordinates.</param>
/// <param name="InitialDice">Mean soft Dice after the centre-of-mass initialisation.</param>
/// <param name="FinalDice">Mean soft Dice of the returned transform (the best seen).</param>
public sealed record MaskRegistrationResult(AffineTransform Transform, double InitialDice, double FinalDice, int Steps);

/// <summary>
/// The paper's phase alignment: a 12-parameter affine transform of the moving phase's masks onto
/// the reference phase's masks, initialised by the difference of the masks' centres of mass and
/// optimised with Adam to maximise soft Dice (mean over channels: tumor, kidney+tumor; see
/// <see cref="MaskRegistrationOptions.SquaredDenominator"/> for the form). Both
/// mask stacks must be on one common grid (C x Z x Y x X, values in [0, 1]); that grid's
/// normalised coordinates are the transform's space. Synchronous (dispose scopes are per thread).
/// </summary>
public static class MaskAffineRegistration
{
    public static MaskRegistrationResult Register(Tensor movingMasks, Tensor referenceMasks,
        MaskRegistrationOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(movingMasks);
        ArgumentNullException.ThrowIfNull(referenceMasks);
        options ??= new MaskRegistrationOptions();
        if (movingMasks.dim() != 4 || !movingMasks.shape.SequenceEqual(referenceMasks.shape))
            throw new ArgumentException($"moving [{string.Join(", ", movingMasks.shape)}] and reference [{string.Join(", ", referenceMasks.shape)}] masks must both be C x Z x Y x X on one grid");
        if (options.Steps < 0 || !(options.LearningRate > 0))
            throw new ArgumentException("registration needs a positive learning rate and a non-negative step count");

        using var outer = NewDisposeScope();
        var moving = movingMasks.to(ScalarType.Float32).unsqueeze(0);
        var reference = referenceMasks.to(ScalarType.Float32).unsqueeze(0);
        var movingCentre = CentreOfMass(movingMasks.sum(dim: 0));
        var referenceCentre = CentreOfMass(referenceMasks.sum(dim: 0));
        if (movingCentre is null || referenceCentre is null)
            throw new ArgumentException("a mask stack is empty: nothing to register");
        var shift = movingCentre.Value - referenceCentre.Value;
        var start = AffineTransform.Translation(shift.X, shift.Y, shift.Z);

        // The parameters live in doubles and Adam is ours (VectorAdam): TorchSharp's optimizers
        // make Scalars implicitly, which another thread's collection can free mid-call.
        var parameters = start.Theta.ToArray();
        var adam = new VectorAdam(parameters.Length, options.LearningRate);
        var gradient = new double[parameters.Length];
        double initialDice = double.NaN, bestDice = double.NegativeInfinity;
        var best = start;
        for (int step = 0; step <= options.Steps; step++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            using var stepScope = NewDisposeScope();
            var theta = new AffineTransform(parameters).ToTensor().requires_grad_();
            var dice = MeanSoftDice(Warp(moving, theta), reference, options.DiceEpsilon, options.SquaredDenominator);
            double value = dice.item<float>();
            if (step == 0) initialDice = value;
            if (value > bestDice)
            {
                bestDice = value;
                best = new AffineTransform(parameters);
            }
            if (step == options.Steps) break; // the last evaluation scores the final update
            dice.neg().backward(); // maximise Dice; the gradient of 1 - Dice without a Scalar
            var grad = theta.grad ?? throw new InvalidOperationException("the registration's Dice has no gradient");
            var values = grad.to(ScalarType.Float64).contiguous().data<double>();
            for (int n = 0; n < gradient.Length; n++) gradient[n] = values[n];
            adam.Step(parameters, gradient);
        }
        return new MaskRegistrationResult(best, initialDice, bestDice, options.Steps);
    }

    /// <summary>
    /// Resamples a moving image or mask stack (C x Z x Y x X, or N x C x Z x Y x X) onto the
    /// reference grid with the transform: trilinear for images and soft masks, nearest for labels.
    /// Outside the moving grid reads 0.
    /// </summary>
    public static Tensor Warp(Tensor moving, AffineTransform transform, bool nearest = false)
    {
        ArgumentNullException.ThrowIfNull(moving);
        ArgumentNullException.ThrowIfNull(transform);
        using var scope = NewDisposeScope();
        bool batched = moving.dim() == 5;
        var input = batched ? moving : moving.unsqueeze(0);
        var warped = Warp(input.to(ScalarType.Float32), transform.ToTensor().to(moving.device), nearest);
        return (batched ? warped : warped.squeeze(0)).MoveToOuterDisposeScope();
    }

    private static Tensor Warp(Tensor batch, Tensor theta, bool nearest = false)
    {
        var grid = nn.functional.affine_grid(theta, batch.shape, align_corners: false);
        return nn.functional.grid_sample(batch, grid, nearest ? GridSampleMode.Nearest : GridSampleMode.Bilinear,
            GridSamplePaddingMode.Zeros, align_corners: false);
    }

    /// <summary>Mean over channels of 2 |A.B| / (|A|^2 + |B|^2), or / (|A| + |B|), on N x C x Z x Y x X.</summary>
    public static Tensor MeanSoftDice(Tensor a, Tensor b, double epsilon = 1e-5, bool squaredDenominator = true)
    {
        // Explicit, held Scalars: see HeldScalarTests.
        using var one = 1.ToScalar();
        using var two = 2.ToScalar();
        using var eps = epsilon.ToScalar();
        var dims = new long[] { 0, 2, 3, 4 };
        var overlap = (a * b).sum(dims);
        var total = squaredDenominator ? (a * a).sum(dims).add((b * b).sum(dims), one) : a.sum(dims).add(b.sum(dims), one);
        return overlap.mul(two).div(total.add(eps, one)).mean();
    }

    /// <summary>
    /// The paper's two registration channels from a label map (Z x Y x X, KiTS23 values):
    /// tumor (label 2) and kidney with everything in it (labels 1, 2 and 3).
    /// </summary>
    public static Tensor MaskChannels(Tensor labels)
    {
        ArgumentNullException.ThrowIfNull(labels);
        using var scope = NewDisposeScope();
        using var kidneyLabel = 1.ToScalar();
        using var tumorLabel = 2.ToScalar();
        using var cystLabel = 3.ToScalar();
        var tumor = labels.eq(tumorLabel).to(ScalarType.Float32);
        var kidney = labels.ge(kidneyLabel).logical_and(labels.le(cystLabel)).to(ScalarType.Float32);
        return stack(new[] { tumor, kidney }, 0).MoveToOuterDisposeScope();
    }

    /// <summary>Centre of mass of a Z x Y x X weight map in normalised (x, y, z); null when it is all zero.</summary>
    public static Vec3? CentreOfMass(Tensor weights)
    {
        ArgumentNullException.ThrowIfNull(weights);
        using var scope = NewDisposeScope();
        var w = weights.to(ScalarType.Float64);
        double total = w.sum().item<double>();
        if (!(total > 0)) return null;
        var size = new GridSize((int)w.shape[2], (int)w.shape[1], (int)w.shape[0]);
        double Axis(long dim, int length)
        {
            var others = new long[] { 0, 1, 2 }.Where(d => d != dim).ToArray();
            var profile = w.sum(others);
            using var stop = length.ToScalar();
            var index = arange(stop, dtype: ScalarType.Float64);
            return NormalizedCoordinates.FromIndex((profile * index).sum().item<double>() / total, length);
        }
        return new Vec3(Axis(2, size.I), Axis(1, size.J), Axis(0, size.K));
    }
}
