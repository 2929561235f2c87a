using RenalGrpc.Engine.Analysis;
using RenalGrpc.Imaging;

namespace RenalGrpc.Server.Analysis;

/// <summary>
/// One edit's re-diagnosis (measure and classify the edited labels, no segmentation) waiting for
/// the inference thread: TorchSharp's dispose scopes are bound to the thread that opens them, so
/// the classifier runs there and not on the gRPC call's thread.
/// </summary>
public sealed class DiagnoseJob(string studyId, AlignedStudy aligned, Volume labels, CancellationToken cancellationToken)
{
    private readonly TaskCompletionSource<StudyDiagnosis> _result = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public string StudyId { get; } = studyId;
    public AlignedStudy Aligned { get; } = aligned;
    public Volume Labels { get; } = labels;
    public CancellationToken CancellationToken { get; } = cancellationToken;

    public Task<StudyDiagnosis> Result => _result.Task;

    internal void Succeed(StudyDiagnosis diagnosis) => _result.TrySetResult(diagnosis);

    internal void Cancel() => _result.TrySetCanceled(CancellationToken);

    internal void Fail(Exception error) => _result.TrySetException(error);
}
