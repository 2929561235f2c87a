using RenalGrpc.Engine.Analysis;
using RenalGrpc.Imaging;
using RenalGrpc.Server.Editing;

namespace RenalGrpc.Server.Analysis;

/// <summary>What an edit's re-diagnosis produced: the labels diagnosed, their diagnosis (with lesion voxels) and the box of changed voxels.</summary>
public sealed record EditOutcome(Volume Labels, DiagnosedLabels Diagnosed, VoxelRange Changed);

/// <summary>
/// One edit's re-diagnosis (measure and classify the edited labels, no segmentation) waiting for
/// the inference thread: TorchSharp's dispose scopes are bound to the thread that opens them, so
/// the classifier runs there and not on the gRPC call's thread.
/// </summary>
/// <param name="Before">The base revision's labels: the changed box is measured against them.</param>
/// <param name="Previous">The base revision's diagnosis; with its lesion voxels only the lesions the edit touched are re-measured.</param>
/// <param name="ChangedWithin">Where the edit can have changed voxels (a region edit's box); null = anywhere.</param>
/// <param name="AddLesionAt">
/// An ADD hint's point (LPS mm): first segment locally around it with stage 1 and paint the lesion
/// found there into the labels (over background and kidney only), then diagnose.
/// </param>
public sealed class DiagnoseJob(string studyId, AlignedStudy aligned, Volume before, DiagnosedLabels? previous, Volume labels,
    VoxelRange? changedWithin, CancellationToken cancellationToken, Vec3? addLesionAt = null)
{
    private readonly TaskCompletionSource<EditOutcome> _result = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public string StudyId { get; } = studyId;
    public AlignedStudy Aligned { get; } = aligned;
    public Volume Before { get; } = before;
    public DiagnosedLabels? Previous { get; } = previous;
    public Volume Labels { get; } = labels;
    public VoxelRange? ChangedWithin { get; } = changedWithin;
    public CancellationToken CancellationToken { get; } = cancellationToken;

    public Vec3? AddLesionAt { get; } = addLesionAt;

    /// <summary>The labels diagnosed (the job's own, or with the added lesion), their diagnosis and what changed.</summary>
    public Task<EditOutcome> Result => _result.Task;

    internal void Succeed(EditOutcome outcome) => _result.TrySetResult(outcome);

    internal void Cancel() => _result.TrySetCanceled(CancellationToken);

    internal void Fail(Exception error) => _result.TrySetException(error);
}
