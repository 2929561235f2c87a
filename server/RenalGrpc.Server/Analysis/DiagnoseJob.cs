using RenalGrpc.Engine.Analysis;
using RenalGrpc.Imaging;

namespace RenalGrpc.Server.Analysis;

/// <summary>
/// One edit's re-diagnosis (measure and classify the edited labels, no segmentation) waiting for
/// the inference thread: TorchSharp's dispose scopes are bound to the thread that opens them, so
/// the classifier runs there and not on the gRPC call's thread.
/// </summary>
/// <param name="AddLesionAt">
/// An ADD hint's point (LPS mm): first segment locally around it with stage 1 and paint the lesion
/// found there into the labels (over background and kidney only), then diagnose.
/// </param>
public sealed class DiagnoseJob(string studyId, AlignedStudy aligned, Volume labels, CancellationToken cancellationToken, Vec3? addLesionAt = null)
{
    private readonly TaskCompletionSource<(Volume Labels, StudyDiagnosis Diagnosis)> _result = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public string StudyId { get; } = studyId;
    public AlignedStudy Aligned { get; } = aligned;
    public Volume Labels { get; } = labels;
    public CancellationToken CancellationToken { get; } = cancellationToken;

    public Vec3? AddLesionAt { get; } = addLesionAt;

    /// <summary>The labels diagnosed (the job's own, or with the added lesion) and their diagnosis.</summary>
    public Task<(Volume Labels, StudyDiagnosis Diagnosis)> Result => _result.Task;

    internal void Succeed(Volume labels, StudyDiagnosis diagnosis) => _result.TrySetResult((labels, diagnosis));

    internal void Cancel() => _result.TrySetCanceled(CancellationToken);

    internal void Fail(Exception error) => _result.TrySetException(error);
}
