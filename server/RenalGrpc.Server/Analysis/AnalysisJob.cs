using System.Threading.Channels;
using RenalGrpc.Engine.Analysis;
using RenalGrpc.Imaging;

namespace RenalGrpc.Server.Analysis;

/// <summary>
/// One Analyze call waiting for or running on the inference worker. The worker writes progress
/// into <see cref="Progress"/> and finishes <see cref="Result"/>; the gRPC call reads both.
/// </summary>
public sealed class AnalysisJob(string studyId, IReadOnlyDictionary<string, Volume> phases, AnalysisOptions options, CancellationToken cancellationToken)
{
    private readonly Channel<AnalysisProgress> _progress = Channel.CreateUnbounded<AnalysisProgress>(new UnboundedChannelOptions { SingleReader = true });
    private readonly TaskCompletionSource<StudyAnalysis> _result = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public string StudyId { get; } = studyId;
    public IReadOnlyDictionary<string, Volume> Phases { get; } = phases;
    public AnalysisOptions Options { get; } = options;

    /// <summary>The call's token: client cancellation and its deadline.</summary>
    public CancellationToken CancellationToken { get; } = cancellationToken;

    /// <summary>Progress events in order; completes when the job ends, however it ends.</summary>
    public ChannelReader<AnalysisProgress> Progress => _progress.Reader;

    public Task<StudyAnalysis> Result => _result.Task;

    internal LinkedListNode<AnalysisJob>? Node { get; set; }

    internal CancellationTokenRegistration Registration { get; set; }

    internal void Report(AnalysisProgress progress) => _progress.Writer.TryWrite(progress);

    internal void Succeed(StudyAnalysis analysis)
    {
        _progress.Writer.TryComplete();
        _result.TrySetResult(analysis);
    }

    internal void Cancel()
    {
        _progress.Writer.TryComplete();
        _result.TrySetCanceled(CancellationToken);
    }

    internal void Fail(Exception error)
    {
        _progress.Writer.TryComplete();
        _result.TrySetException(error);
    }

    /// <summary>Forwards the engine's progress events into the job's channel (called on the worker thread).</summary>
    internal sealed class EngineProgress(AnalysisJob job) : IProgress<AnalysisProgress>
    {
        public void Report(AnalysisProgress value) => job.Report(value);
    }
}
