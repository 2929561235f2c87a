using System.Diagnostics;
using System.Runtime.InteropServices;
using Grpc.Health.V1;
using Grpc.HealthCheck;
using Microsoft.Extensions.Options;
using RenalGrpc.Engine.Analysis;
using RenalGrpc.Server.Editing;
using RenalGrpc.Server.Hosting;
using RenalGrpc.Serving;

namespace RenalGrpc.Server.Analysis;

/// <summary>
/// The one inference thread. It loads the model at start-up, then runs queued Analyze jobs one at a
/// time. A dedicated OS thread rather than the thread pool because TorchSharp's dispose scopes and
/// no_grad are bound to the thread that opened them, and two concurrent inferences on a few cores
/// only double memory. The queue is bounded: a full queue is refused at once (RESOURCE_EXHAUSTED)
/// rather than letting callers wait unboundedly.
/// </summary>
public sealed partial class InferenceWorker(
    IAnalyzerLoader loader,
    IOptions<RenalServerOptions> options,
    HealthServiceImpl health,
    ILogger<InferenceWorker> logger) : IHostedService, IDisposable
{
    public const string HealthServiceName = "renal.v1.AnalysisService";

    private readonly LinkedList<AnalysisJob> _waiting = [];

    // Edits' re-diagnoses take milliseconds to a second: they go before waiting Analyze jobs.
    private readonly System.Collections.Concurrent.ConcurrentQueue<DiagnoseJob> _diagnoses = new();
    private readonly Lock _gate = new();
    private readonly SemaphoreSlim _jobsAvailable = new(0);
    private readonly CancellationTokenSource _stopping = new();
    private readonly string _modelPath = ModelLocation.Resolve(options.Value.Model);
    private Thread? _thread;
    private LoadedAnalyzer? _model;
    private volatile ModelStatus _status = new(ModelState.Loading, ModelLocation.Resolve(options.Value.Model), "loading", null);

    /// <summary>Waiting jobs beyond which Analyze is refused (the running job is not counted).</summary>
    public int Capacity { get; } = options.Value.MaxQueue;

    private readonly int _torchThreads = options.Value.TorchThreads;

    public ModelStatus Status => _status;

    /// <summary>The engine's own name and version (Diagnosis.model_version); "" until loaded.</summary>
    public string ModelVersion => _status.IsLoaded ? _model!.Analyzer.ModelVersion : "";

    /// <summary>Jobs waiting now (not counting the running one).</summary>
    public int QueueLength
    {
        get
        {
            lock (_gate)
            {
                return _waiting.Count;
            }
        }
    }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        health.SetStatus(HealthServiceName, HealthCheckResponse.Types.ServingStatus.NotServing);
        _thread = new Thread(Run) { Name = "renal-inference", IsBackground = true };
        _thread.Start();
        return Task.CompletedTask;
    }

    /// <summary>Queues a job; throws <see cref="AnalysisRefusedException"/> when the model cannot serve or the queue is full.</summary>
    public void Enqueue(AnalysisJob job)
    {
        var status = _status;
        if (!status.IsLoaded)
        {
            throw AnalysisRefusedException.ModelUnavailable(status.Reason);
        }

        lock (_gate)
        {
            if (_waiting.Count >= Capacity)
            {
                LogQueueFull(logger, job.StudyId, Capacity);
                throw AnalysisRefusedException.QueueFull(Capacity);
            }

            job.Node = _waiting.AddLast(job);
            job.Report(new AnalysisProgress(AnalysisStage.Queued, 0, QueuePosition: _waiting.Count, Message: "waiting for the inference worker"));
        }

        // A caller that gives up (or whose deadline passes) while waiting leaves the queue at once.
        job.Registration = job.CancellationToken.Register(() => Withdraw(job));
        _jobsAvailable.Release();
    }

    /// <summary>
    /// Queues a re-diagnosis of edited labels ahead of waiting Analyze jobs (behind a running one).
    /// Throws <see cref="AnalysisRefusedException"/> when the model cannot serve.
    /// </summary>
    public Task<EditOutcome> DiagnoseAsync(DiagnoseJob job)
    {
        var status = _status;
        if (!status.IsLoaded)
        {
            throw AnalysisRefusedException.ModelUnavailable(status.Reason);
        }

        _diagnoses.Enqueue(job);
        _jobsAvailable.Release();
        return job.Result;
    }

    private void Withdraw(AnalysisJob job)
    {
        lock (_gate)
        {
            if (job.Node?.List is null)
            {
                return; // already running (the engine sees the token) or finished
            }

            _waiting.Remove(job.Node);
            ReportPositions();
        }

        LogWithdrawn(logger, job.StudyId);
        job.Cancel();
    }

    private void Run()
    {
        LoadModel();
        var stopping = _stopping.Token;
        try
        {
            while (true)
            {
                _jobsAvailable.Wait(stopping);
                if (_diagnoses.TryDequeue(out var diagnose))
                {
                    Execute(diagnose);
                    continue;
                }

                AnalysisJob? job;
                lock (_gate)
                {
                    job = _waiting.First?.Value;
                    if (job is null)
                    {
                        continue; // withdrawn before we got to it
                    }

                    _waiting.RemoveFirst();
                    ReportPositions();
                }

                Execute(job);
            }
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            // shutting down
        }
    }

    private void LoadModel()
    {
        var started = Stopwatch.GetTimestamp();
        LogLoading(logger, _modelPath);
        try
        {
            _model = loader.Load(_modelPath, _stopping.Token);
            // After the load, not before: the call maps libtorch in (~100 MB resident), which a server
            // whose model is missing never needs; that memory alone broke the upload RSS bar.
            TorchSharp.torch.set_num_threads(_torchThreads);
            _status = new ModelStatus(ModelState.Loaded, _modelPath, "", _model.Identity);
            health.SetStatus(HealthServiceName, HealthCheckResponse.Types.ServingStatus.Serving);
            LogLoaded(logger, _model.Identity.Name, _model.Identity.Version, _model.Identity.Sha256, Stopwatch.GetElapsedTime(started).TotalSeconds);
            if (_model.Analyzer is StudyAnalyzer { Precision: { } precision })
            {
                var probe = RenalGrpc.Engine.Inference.PrecisionProbe.Measurement;
                LogPrecision(logger, precision, probe?.Workload ?? "none", probe?.Float32Milliseconds ?? double.NaN, probe?.BFloat16Milliseconds ?? double.NaN);
            }
        }
        catch (Exception e) when (e is ModelLoadException or IOException or UnauthorizedAccessException or InvalidDataException)
        {
            _status = new ModelStatus(ModelState.Failed, _modelPath, e.Message, null);
            LogLoadFailed(logger, _modelPath, e.Message);
        }
        catch (OperationCanceledException)
        {
            _status = new ModelStatus(ModelState.Failed, _modelPath, "the server stopped while loading the model", null);
        }
    }

    private void Execute(AnalysisJob job)
    {
        job.Registration.Dispose();
        if (job.CancellationToken.IsCancellationRequested)
        {
            job.Cancel();
            return;
        }

        var started = Stopwatch.GetTimestamp();
        LogStarted(logger, job.StudyId, job.Phases.Count);
        try
        {
            var analysis = _model!.Analyzer.Analyze(job.Phases, job.Options, new AnalysisJob.EngineProgress(job), job.CancellationToken);
            LogFinished(logger, job.StudyId, analysis.Diagnosis.Lesions.Count, Stopwatch.GetElapsedTime(started).TotalSeconds);
            job.Succeed(analysis);
        }
        catch (OperationCanceledException)
        {
            LogCancelled(logger, job.StudyId, Stopwatch.GetElapsedTime(started).TotalSeconds);
            job.Cancel();
        }
        catch (Exception e)
        {
            // Handed to the call, which maps ArgumentException to INVALID_ARGUMENT and logs the rest.
            job.Fail(e);
        }
        finally
        {
            TrimNativeHeap();
        }
    }

    private void Execute(DiagnoseJob job)
    {
        if (job.CancellationToken.IsCancellationRequested)
        {
            job.Cancel();
            return;
        }

        var started = Stopwatch.GetTimestamp();
        try
        {
            var labels = job.AddLesionAt is { } point ? LesionPainting.AddLesionAt(_model!.Analyzer, job.Aligned, job.Labels, point, job.CancellationToken) : job.Labels;
            // An ADD hint paints here, so the changed box is only known now; a region edit's box bounds the scan.
            var changed = LabelEdits.ChangedRegion(job.Before, labels, job.AddLesionAt is null ? job.ChangedWithin : null);
            var diagnosed = OnOneTorchThread(() => _model!.Analyzer.Rediagnose(job.Aligned, labels, job.Previous, changed.ToBounds(), job.CancellationToken));
            LogDiagnosed(logger, job.StudyId, diagnosed.Diagnosis.Lesions.Count, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            job.Succeed(new EditOutcome(labels, diagnosed, changed));
        }
        catch (OperationCanceledException)
        {
            job.Cancel();
        }
        catch (Exception e)
        {
            job.Fail(e);
        }
    }

    /// <summary>
    /// Runs an edit's re-diagnosis with libtorch on one thread. It is a few tiny classifier forwards,
    /// and OpenMP's spinning worker threads stall them when the cores are shared: on 2 loaded cores
    /// (load ~10) a forward took 80-1300 ms on 2 threads and 18-46 ms on one.
    /// </summary>
    private T OnOneTorchThread<T>(Func<T> work)
    {
        if (_torchThreads == 1)
        {
            return work();
        }

        TorchSharp.torch.set_num_threads(1);
        try
        {
            return work();
        }
        finally
        {
            TorchSharp.torch.set_num_threads(_torchThreads);
        }
    }

    /// <summary>Tells every waiting job its new position (1 = next). Called under the gate.</summary>
    private void ReportPositions()
    {
        var position = 1;
        foreach (var waiting in _waiting)
        {
            waiting.Report(new AnalysisProgress(AnalysisStage.Queued, 0, QueuePosition: position++, Message: "waiting for the inference worker"));
        }
    }

    // glibc keeps the memory libtorch freed; without a trim RSS creeps up by about a GB per study.
    private static void TrimNativeHeap()
    {
        if (OperatingSystem.IsLinux())
        {
            try
            {
                _ = MallocTrim(0);
            }
            catch (EntryPointNotFoundException)
            {
                // not glibc (e.g. musl): nothing to trim
            }
        }
    }

    [DllImport("libc", EntryPoint = "malloc_trim")]
    private static extern int MallocTrim(nuint pad);

    public Task StopAsync(CancellationToken cancellationToken)
    {
        _stopping.Cancel();
        List<AnalysisJob> abandoned;
        lock (_gate)
        {
            abandoned = [.. _waiting];
            _waiting.Clear();
        }

        foreach (var job in abandoned)
        {
            job.Fail(AnalysisRefusedException.ModelUnavailable("the server is shutting down"));
        }

        while (_diagnoses.TryDequeue(out var diagnose))
        {
            diagnose.Fail(AnalysisRefusedException.ModelUnavailable("the server is shutting down"));
        }

        // The running job (if any) finishes or sees its call's cancellation; do not block shutdown on it.
        _thread?.Join(TimeSpan.FromSeconds(2));
        return Task.CompletedTask;
    }

    public void Dispose()
    {
        _stopping.Dispose();
        _jobsAvailable.Dispose();
        if (_thread is null || !_thread.IsAlive)
        {
            _model?.Dispose();
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Loading the model from {Path}")]
    private static partial void LogLoading(ILogger logger, string path);

    [LoggerMessage(Level = LogLevel.Information, Message = "Model {Name} {Version} loaded (sha256 {Sha256}) in {Seconds:F1} s; Analyze is serving")]
    private static partial void LogLoaded(ILogger logger, string name, string version, string sha256, double seconds);

    [LoggerMessage(Level = LogLevel.Information, Message = "Stage 1 runs at {Precision} (probe, {Workload}: float32 {Float32Ms:F1} ms, bfloat16 {BFloat16Ms:F1} ms; NaN when the precision was set, not probed)")]
    private static partial void LogPrecision(ILogger logger, RenalGrpc.Engine.Inference.InferencePrecision precision, string workload, double float32Ms, double bfloat16Ms);

    [LoggerMessage(Level = LogLevel.Error, Message = "Model at {Path} could not be loaded: {Reason}. Analyze stays NOT_SERVING")]
    private static partial void LogLoadFailed(ILogger logger, string path, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Analyze of study {StudyId} refused: the queue holds {Capacity} waiting jobs")]
    private static partial void LogQueueFull(ILogger logger, string studyId, int capacity);

    [LoggerMessage(Level = LogLevel.Information, Message = "Analyze of study {StudyId} left the queue (cancelled or deadline passed)")]
    private static partial void LogWithdrawn(ILogger logger, string studyId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Analyze of study {StudyId} started: {PhaseCount} phases")]
    private static partial void LogStarted(ILogger logger, string studyId, int phaseCount);

    [LoggerMessage(Level = LogLevel.Information, Message = "Analyze of study {StudyId} done: {LesionCount} lesions in {Seconds:F1} s")]
    private static partial void LogFinished(ILogger logger, string studyId, int lesionCount, double seconds);

    [LoggerMessage(Level = LogLevel.Information, Message = "Edit of study {StudyId} re-diagnosed: {LesionCount} lesions in {Milliseconds:F0} ms")]
    private static partial void LogDiagnosed(ILogger logger, string studyId, int lesionCount, double milliseconds);

    [LoggerMessage(Level = LogLevel.Information, Message = "Analyze of study {StudyId} cancelled after {Seconds:F1} s")]
    private static partial void LogCancelled(ILogger logger, string studyId, double seconds);
}
