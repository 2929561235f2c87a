using TorchSharp;
using static TorchSharp.torch;

namespace RenalGrpc.Training.Segmentation;

/// <summary>nnU-Net's loss: cross-entropy plus soft Dice over the foreground classes (batch Dice).</summary>
public static class SegmentationLoss
{
    /// <param name="logits">B x C x Z x Y x X.</param>
    /// <param name="labels">B x Z x Y x X, int64 class indices.</param>
    public static (Tensor Total, Tensor CrossEntropy, Tensor Dice) Compute(Tensor logits, Tensor labels, double smooth = 1e-5)
    {
        // Every Scalar explicit and held to the end of the call: see HeldScalarTests.
        using var zero = 0.ToScalar();
        using var one = 1.ToScalar();
        using var two = 2.ToScalar();
        using var smoothing = smooth.ToScalar();
        var ce = nn.functional.cross_entropy(logits, labels);
        long classes = logits.shape[1];
        var probabilities = nn.functional.softmax(logits, 1);
        var onehot = nn.functional.one_hot(labels, classes).permute(0, 4, 1, 2, 3).to_type(probabilities.dtype);
        var axes = new long[] { 0, 2, 3, 4 };
        var intersection = (probabilities * onehot).sum(axes);
        var denominator = probabilities.sum(axes).add(onehot.sum(axes), one);
        var dice = intersection.mul(two).add(smoothing, one).div(denominator.add(smoothing, one));
        // Average over the foreground classes present in the batch: an absent class (most batches
        // have no cyst) would otherwise add a constant loss of ~1 and a push towards zero.
        var present = onehot.sum(axes).narrow(0, 1, classes - 1).gt(zero).to_type(dice.dtype);
        var foregroundDice = (dice.narrow(0, 1, classes - 1) * present).sum() / present.sum().clamp_min(one);
        var diceLoss = foregroundDice.neg().add(one, one); // 1 - Dice
        return (ce.add(diceLoss, one), ce, diceLoss);
    }
}
