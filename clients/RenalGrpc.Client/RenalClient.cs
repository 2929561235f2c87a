using System.Diagnostics;
using Grpc.Core;
using Grpc.Net.Client;
using RenalGrpc.Imaging;
using Proto = RenalGrpc.V1;

namespace RenalGrpc.Client;

/// <summary>
/// Client of a RenalGrpc server: server info, study upload, study management, Analyze and the edit loop.
/// Every call has a deadline; calls that are safe to repeat are retried on UNAVAILABLE;
/// failures surface as <see cref="RenalServerException"/> or <see cref="RenalUnavailableException"/>.
/// </summary>
public sealed class RenalClient : IDisposable
{
    /// <summary>Bytes of voxel data per chunk; the contract's maximum.</summary>
    public const int ChunkBytes = 1 << 20;

    private readonly RenalClientOptions _options;
    private readonly GrpcChannel _channel;
    private readonly Proto.InfoService.InfoServiceClient _info;
    private readonly Proto.StudyService.StudyServiceClient _studies;
    private readonly Proto.AnalysisService.AnalysisServiceClient _analysis;
    private readonly Metadata _headers = [];

    public RenalClient(RenalClientOptions options)
    {
        _options = options;
        _channel = ChannelFactory.Create(options);
        _info = new Proto.InfoService.InfoServiceClient(_channel);
        _studies = new Proto.StudyService.StudyServiceClient(_channel);
        _analysis = new Proto.AnalysisService.AnalysisServiceClient(_channel);
        if (!string.IsNullOrEmpty(options.Token)) _headers.Add("authorization", $"Bearer {options.Token}");
    }

    public Uri Server => _options.Uri;

    public Task<RenalServerInfo> GetServerInfoAsync(CancellationToken cancellationToken = default) =>
        UnaryAsync(ct => _info.GetServerInfoAsync(new Proto.GetServerInfoRequest(), Options(ct)).ResponseAsync,
            ProtoMapping.MapToServerInfo, cancellationToken);

    public Task<StudySummary> GetStudyAsync(string studyId, CancellationToken cancellationToken = default) =>
        UnaryAsync(ct => _studies.GetStudyAsync(new Proto.GetStudyRequest { StudyId = studyId }, Options(ct)).ResponseAsync,
            ProtoMapping.MapToStudySummary, cancellationToken);

    public Task<StudyListing> ListStudiesAsync(CancellationToken cancellationToken = default) =>
        UnaryAsync(ct => _studies.ListStudiesAsync(new Proto.ListStudiesRequest(), Options(ct)).ResponseAsync,
            ProtoMapping.MapToStudyListing, cancellationToken);

    /// <summary>True when the study existed; deleting is idempotent, so it is retried like a read.</summary>
    public Task<bool> DeleteStudyAsync(string studyId, CancellationToken cancellationToken = default) =>
        UnaryAsync(ct => _studies.DeleteStudyAsync(new Proto.DeleteStudyRequest { StudyId = studyId }, Options(ct)).ResponseAsync,
            r => r.Deleted, cancellationToken);

    /// <summary>The stored study with exactly these phases, or null; hashes every phase first.</summary>
    public async Task<StudySummary?> FindStudyAsync(IReadOnlyDictionary<string, Volume> phases, CancellationToken cancellationToken = default)
    {
        var descriptors = await StudyDescriptors.ComputeAsync(phases, cancellationToken);
        return await FindAsync(descriptors, cancellationToken);
    }

    /// <summary>
    /// Stores a study: hashes each phase, skips the transfer when the server already holds the same
    /// content, else streams 1 MiB chunks. Repeated on UNAVAILABLE (the study id depends only on
    /// the content, so a repeated upload cannot create a second study).
    /// </summary>
    public async Task<UploadResult> UploadStudyAsync(
        IReadOnlyDictionary<string, Volume> phases,
        ChunkCompression compression = ChunkCompression.None,
        IProgress<UploadProgress>? progress = null,
        CancellationToken cancellationToken = default)
    {
        var hashClock = Stopwatch.StartNew();
        var descriptors = await StudyDescriptors.ComputeAsync(phases, cancellationToken);
        double hashSeconds = hashClock.Elapsed.TotalSeconds;
        return await WithRetriesAsync(async ct =>
        {
            var found = await FindOnceAsync(descriptors, ct);
            if (found is not null)
            {
                progress?.Report(new UploadProgress(descriptors.TotalBytes, descriptors.TotalBytes, descriptors.Phases[^1].Code));
                return new UploadResult(found.StudyId, found.ExpiresAt, true, 0, 0, 0, hashSeconds);
            }
            var upload = new StudyUploadCall(_studies, descriptors, compression, progress);
            return await upload.RunAsync(UploadOptions(ct), hashSeconds);
        }, cancellationToken);
    }

    /// <summary>
    /// Analyzes a stored study: reports queue position and engine progress, returns the reference-grid
    /// labels (SHA-256 checked), the Diagnosis message and, when asked, every phase's own-grid mask.
    /// Not retried (the server may be part-way through a long run); a refusal is a
    /// <see cref="RenalServerException"/> (RESOURCE_EXHAUSTED when the queue is full, UNAVAILABLE
    /// with reason MODEL_NOT_LOADED while the model is missing).
    /// </summary>
    public async Task<AnalyzeResult> AnalyzeAsync(string studyId, AnalyzeOptions? options = null, IProgress<AnalyzeProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        options ??= new AnalyzeOptions();
        var request = new Proto.AnalyzeRequest
        {
            StudyId = studyId,
            Options = new Proto.AnalyzeOptions
            {
                MirrorTta = options.MirrorTta,
                PerPhaseMasks = options.PerPhaseMasks,
                ReferencePhase = options.ReferencePhase is null ? Proto.Phase.Unspecified : ProtoMapping.MapToPhase(options.ReferencePhase),
            },
        };
        try
        {
            return await new AnalyzeCall(_analysis).RunAsync(request, new CallOptions(_headers, DateTime.UtcNow + _options.AnalyzeDeadline, cancellationToken), progress);
        }
        catch (RpcException ex) when (ex.StatusCode == StatusCode.Cancelled && cancellationToken.IsCancellationRequested)
        {
            throw new OperationCanceledException("the call was cancelled", ex, cancellationToken);
        }
        catch (RpcException ex)
        {
            throw RpcErrorTranslation.Translate(ex, _options.Uri);
        }
    }

    /// <summary>
    /// Sends an edit against <paramref name="baseRevision"/> (build one with <see cref="LabelEdits"/>);
    /// returns the new revision, the changed box and the re-computed diagnosis. Not retried (a
    /// repeat would make another revision). A stale base revision is a
    /// <see cref="RenalServerException"/> with StatusCode ABORTED and <see cref="RenalServerException.CurrentRevision"/> set.
    /// </summary>
    public Task<EditResult> SubmitEditAsync(string studyId, uint baseRevision, LabelEdit edit, CancellationToken cancellationToken = default) =>
        OnceAsync(ct => EditCalls.SubmitAsync(_analysis, studyId, baseRevision, edit, UploadOptions(ct)), cancellationToken);

    /// <summary>A stored revision of the study's labels (0 = latest); phase null = the reference grid.</summary>
    public Task<StoredSegmentation> GetSegmentationAsync(string studyId, uint revision = 0, string? phase = null, CancellationToken cancellationToken = default) =>
        WithRetriesAsync(ct => EditCalls.GetAsync(_analysis, new Proto.GetSegmentationRequest
        {
            StudyId = studyId,
            Revision = revision,
            Phase = phase is null ? Proto.Phase.Unspecified : ProtoMapping.MapToPhase(phase),
        }, UploadOptions(ct)), cancellationToken);

    private async Task<T> OnceAsync<T>(Func<CancellationToken, Task<T>> call, CancellationToken cancellationToken)
    {
        try
        {
            return await call(cancellationToken);
        }
        catch (RpcException ex) when (ex.StatusCode == StatusCode.Cancelled && cancellationToken.IsCancellationRequested)
        {
            throw new OperationCanceledException("the call was cancelled", ex, cancellationToken);
        }
        catch (RpcException ex)
        {
            throw RpcErrorTranslation.Translate(ex, _options.Uri);
        }
    }

    private async Task<StudySummary?> FindAsync(StudyDescriptors descriptors, CancellationToken cancellationToken) =>
        await WithRetriesAsync(ct => FindOnceAsync(descriptors, ct), cancellationToken);

    private async Task<StudySummary?> FindOnceAsync(StudyDescriptors descriptors, CancellationToken ct)
    {
        var request = new Proto.FindStudyRequest();
        request.Phases.AddRange(descriptors.Phases.Select(p => p.Descriptor));
        var response = await _studies.FindStudyAsync(request, Options(ct));
        return response.Found && response.Study is not null ? ProtoMapping.MapToStudySummary(response.Study) : null;
    }

    private Task<TResult> UnaryAsync<TResponse, TResult>(Func<CancellationToken, Task<TResponse>> call, Func<TResponse, TResult> map, CancellationToken cancellationToken) =>
        WithRetriesAsync(async ct => map(await call(ct)), cancellationToken);

    private CallOptions Options(CancellationToken ct) => new(_headers, DateTime.UtcNow + _options.DefaultDeadline, ct);

    private CallOptions UploadOptions(CancellationToken ct) => new(_headers, DateTime.UtcNow + _options.UploadDeadline, ct);

    /// <summary>Runs a repeatable call, retrying UNAVAILABLE with doubling backoff, and translates the final failure.</summary>
    private async Task<T> WithRetriesAsync<T>(Func<CancellationToken, Task<T>> attempt, CancellationToken cancellationToken)
    {
        for (int tries = 0; ; tries++)
        {
            try
            {
                return await attempt(cancellationToken);
            }
            catch (RpcException ex) when (ex.StatusCode == StatusCode.Unavailable && tries < _options.MaxRetries)
            {
                await Task.Delay(_options.RetryBackoff * (1 << tries), cancellationToken);
            }
            catch (RpcException ex) when (ex.StatusCode == StatusCode.Cancelled && cancellationToken.IsCancellationRequested)
            {
                throw new OperationCanceledException("the call was cancelled", ex, cancellationToken);
            }
            catch (RpcException ex)
            {
                throw RpcErrorTranslation.Translate(ex, _options.Uri);
            }
        }
    }

    public void Dispose() => _channel.Dispose();
}
