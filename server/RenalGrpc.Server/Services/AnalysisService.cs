using System.Diagnostics;
using Grpc.Core;
using Microsoft.Extensions.Logging;
using RenalGrpc.Engine.Analysis;
using RenalGrpc.Imaging;
using RenalGrpc.Server.Analysis;
using RenalGrpc.Server.Storage;
using RenalGrpc.Serving;
using V1 = RenalGrpc.V1;

namespace RenalGrpc.Server.Services;

/// <summary>
/// Analyze: queue the study on the inference worker, stream its progress, then the segmentation
/// (reference grid, plus each phase's own grid on request) and exactly one Diagnosis. The edit
/// loop (SubmitEdit, GetSegmentation) is not built yet: known studies get UNIMPLEMENTED.
/// </summary>
public sealed partial class AnalysisService(StudyStore store, InferenceWorker worker, ILogger<AnalysisService> logger) : V1.AnalysisService.AnalysisServiceBase
{
    public const string NotBuilt = "the edit loop is not built yet";

    /// <summary>The revision Analyze's labels get; edits will count up from it.</summary>
    public const uint AnalyzedRevision = 1;

    public override async Task Analyze(V1.AnalyzeRequest request, IServerStreamWriter<V1.AnalyzeResponse> responseStream, ServerCallContext context)
    {
        var ct = context.CancellationToken;
        var study = store.Get(request.StudyId);
        if (request.Options is { ReferencePhase: not V1.Phase.Unspecified } o && study.Phases.All(p => (int)p.Descriptor.Phase != (int)o.ReferencePhase))
        {
            throw RpcErrors.InvalidArgument("options.reference_phase", $"the study has no phase {o.ReferencePhase}", "REFERENCE_PHASE_MISSING");
        }

        var job = new AnalysisJob(study.Id, StudyVolumes.Copy(study), DiagnosisMapping.MapToOptions(request.Options), ct);
        worker.Enqueue(job);

        await foreach (var progress in job.Progress.ReadAllAsync(ct))
        {
            await responseStream.WriteAsync(new V1.AnalyzeResponse { Progress = DiagnosisMapping.MapToProgress(progress) }, ct);
        }

        StudyAnalysis analysis;
        try
        {
            analysis = await job.Result;
        }
        catch (ArgumentException e)
        {
            LogUnusable(logger, study.Id, e.Message);
            throw RpcErrors.InvalidArgument("study_id", $"the study cannot be analysed: {e.Message}", "STUDY_UNUSABLE");
        }

        await StreamResultAsync(study.Id, analysis, job.Options, responseStream, ct);
    }

    private async Task StreamResultAsync(string studyId, StudyAnalysis analysis, AnalysisOptions options, IServerStreamWriter<V1.AnalyzeResponse> responseStream, CancellationToken ct)
    {
        var started = Stopwatch.GetTimestamp();
        await responseStream.WriteAsync(Encoding(0, "streaming the segmentation"), ct);
        var labels = SegmentationEncoder.AsUInt8(analysis.Labels);
        var reference = analysis.Diagnosis.ReferencePhase;
        await StreamLabelsAsync(labels, reference, isReferenceGrid: true, responseStream, ct);
        if (options.PerPhaseMasks)
        {
            foreach (var (phase, mask) in analysis.PhaseLabels.OrderBy(p => Array.IndexOf(PhaseOrder, p.Key)))
            {
                await StreamLabelsAsync(SegmentationEncoder.AsUInt8(mask), phase, isReferenceGrid: false, responseStream, ct);
            }
        }

        store.AttachAnalysis(studyId, analysis.Aligned, labels);
        var encodingSeconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
        await responseStream.WriteAsync(Encoding(1, "done"), ct);
        var diagnosis = DiagnosisMapping.MapToDiagnosis(analysis.Diagnosis, studyId, AnalyzedRevision, worker.ModelVersion,
            [.. analysis.Timings, new StageTiming(AnalysisStage.Encoding, null, encodingSeconds)]);
        await responseStream.WriteAsync(new V1.AnalyzeResponse { Diagnosis = diagnosis }, ct);
        LogAnswered(logger, studyId, reference, analysis.Diagnosis.Lesions.Count, labels.Buffer.LongLength);
    }

    private static readonly string[] PhaseOrder = ["N", "A", "P", "D"];

    private static V1.AnalyzeResponse Encoding(double fraction, string message) =>
        new() { Progress = new V1.Progress { Stage = V1.Stage.Encoding, Fraction = fraction, Message = message } };

    private static async Task StreamLabelsAsync(Volume labels, string phase, bool isReferenceGrid, IServerStreamWriter<V1.AnalyzeResponse> responseStream, CancellationToken ct)
    {
        await responseStream.WriteAsync(new V1.AnalyzeResponse { SegmentationHeader = SegmentationEncoder.Header(labels, phase, AnalyzedRevision, isReferenceGrid) }, ct);
        foreach (var chunk in SegmentationEncoder.Chunks(labels, phase))
        {
            await responseStream.WriteAsync(new V1.AnalyzeResponse { SegmentationChunk = chunk }, ct);
        }
    }

    public override async Task<V1.SubmitEditResponse> SubmitEdit(IAsyncStreamReader<V1.SubmitEditRequest> requestStream, ServerCallContext context)
    {
        if (!await requestStream.MoveNext(context.CancellationToken) || requestStream.Current.PayloadCase != V1.SubmitEditRequest.PayloadOneofCase.Header)
        {
            throw RpcErrors.InvalidArgument("header", "the first message must be an EditHeader", "NO_HEADER");
        }

        RequireStudy(requestStream.Current.Header.StudyId);
        throw RpcErrors.Unimplemented(NotBuilt);
    }

    public override Task GetSegmentation(V1.GetSegmentationRequest request, IServerStreamWriter<V1.SegmentationMessage> responseStream, ServerCallContext context)
    {
        RequireStudy(request.StudyId);
        throw RpcErrors.Unimplemented(NotBuilt);
    }

    private void RequireStudy(string studyId)
    {
        if (!store.Contains(studyId))
        {
            throw RpcErrors.NotFound(studyId);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Analyze of study {StudyId} refused by the engine: {Reason}")]
    private static partial void LogUnusable(ILogger logger, string studyId, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Analyze of study {StudyId} answered: reference {ReferencePhase}, {LesionCount} lesions, {LabelBytes} label bytes")]
    private static partial void LogAnswered(ILogger logger, string studyId, string referencePhase, int lesionCount, long labelBytes);
}
