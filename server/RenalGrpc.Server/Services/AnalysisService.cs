using System.Diagnostics;
using Grpc.Core;
using Microsoft.Extensions.Logging;
using RenalGrpc.Engine.Analysis;
using RenalGrpc.Imaging;
using RenalGrpc.Server.Analysis;
using RenalGrpc.Server.Editing;
using RenalGrpc.Server.Storage;
using RenalGrpc.Serving;
using V1 = RenalGrpc.V1;

namespace RenalGrpc.Server.Services;

/// <summary>
/// Analyze: queue the study on the inference worker, stream its progress, then the segmentation
/// (reference grid, plus each phase's own grid on request) and exactly one Diagnosis. The edit
/// loop: GetSegmentation streams any kept revision; SubmitEdit applies a region, whole-map or
/// lesion-hint edit to the latest revision, re-diagnoses on the inference worker (no
/// re-segmentation) and keeps the result as the next revision.
/// </summary>
public sealed partial class AnalysisService(StudyStore store, InferenceWorker worker, ILogger<AnalysisService> logger) : V1.AnalysisService.AnalysisServiceBase
{
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
        // Kept before streaming: the header must carry the revision number the store gives these labels
        // (the next unused one, so an edit against an earlier Analyze's labels is stale). Kept labels are
        // never written to, so streaming them while an edit makes the next revision is safe.
        var revision = store.AttachAnalysis(studyId, analysis.Aligned, labels,
            analysis.LesionVoxels is { } voxels ? new DiagnosedLabels(analysis.Diagnosis, voxels) : null, analysis.PhaseCheck).Revision;
        await StreamLabelsAsync(labels, reference, revision, isReferenceGrid: true, responseStream, ct);
        if (options.PerPhaseMasks)
        {
            foreach (var (phase, mask) in analysis.PhaseLabels.OrderBy(p => Array.IndexOf(PhaseOrder, p.Key)))
            {
                await StreamLabelsAsync(SegmentationEncoder.AsUInt8(mask), phase, revision, isReferenceGrid: false, responseStream, ct);
            }
        }

        var encodingSeconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
        await responseStream.WriteAsync(Encoding(1, "done"), ct);
        var diagnosis = DiagnosisMapping.MapToDiagnosis(analysis.Diagnosis, studyId, revision, worker.ModelVersion,
            [.. analysis.Timings, new StageTiming(AnalysisStage.Encoding, null, encodingSeconds)], analysis.Refinement, analysis.PhaseCheck);
        await responseStream.WriteAsync(new V1.AnalyzeResponse { Diagnosis = diagnosis }, ct);
        LogAnswered(logger, studyId, reference, analysis.Diagnosis.Lesions.Count, labels.Buffer.LongLength);
    }

    private static readonly string[] PhaseOrder = ["N", "A", "P", "D"];

    private static V1.AnalyzeResponse Encoding(double fraction, string message) =>
        new() { Progress = new V1.Progress { Stage = V1.Stage.Encoding, Fraction = fraction, Message = message } };

    private static async Task StreamLabelsAsync(Volume labels, string phase, uint revision, bool isReferenceGrid, IServerStreamWriter<V1.AnalyzeResponse> responseStream, CancellationToken ct)
    {
        await responseStream.WriteAsync(new V1.AnalyzeResponse { SegmentationHeader = SegmentationEncoder.Header(labels, phase, revision, isReferenceGrid) }, ct);
        foreach (var chunk in SegmentationEncoder.Chunks(labels, phase))
        {
            await responseStream.WriteAsync(new V1.AnalyzeResponse { SegmentationChunk = chunk }, ct);
        }
    }

    public override async Task<V1.SubmitEditResponse> SubmitEdit(IAsyncStreamReader<V1.SubmitEditRequest> requestStream, ServerCallContext context)
    {
        var ct = context.CancellationToken;
        if (!await requestStream.MoveNext(ct) || requestStream.Current.PayloadCase != V1.SubmitEditRequest.PayloadOneofCase.Header)
        {
            throw RpcErrors.InvalidArgument("header", "the first message must be an EditHeader", "NO_HEADER");
        }

        var header = requestStream.Current.Header;
        var study = store.Get(header.StudyId);
        var kept = study.Analysis ?? throw StudyRequestException.NotAnalysed(study.Id);
        if (kept.Revision != header.BaseRevision)
        {
            // Refused before reading any label bytes; checked again when the revision is stored.
            throw StudyRequestException.Stale(header.BaseRevision, kept);
        }

        var started = Stopwatch.GetTimestamp();
        var before = kept.Labels;
        var after = header.EditCase switch
        {
            V1.EditHeader.EditOneofCase.Region => LabelEdits.ApplyRegion(before, header.Region),
            V1.EditHeader.EditOneofCase.WholeLabelMap => LabelEdits.WholeMap(before,
                await WholeMapReceiver.ReadAsync(header.WholeLabelMap, before.VoxelCount, requestStream, ct)),
            V1.EditHeader.EditOneofCase.Hint => HintLabels(before, header.Hint),
            _ => throw RpcErrors.InvalidArgument("header.edit", "the header names no edit (region, whole_label_map or hint)", "NO_EDIT"),
        };

        // An ADD hint's labels are made on the inference thread (stage 1 runs there), then diagnosed.
        var addAt = header.EditCase == V1.EditHeader.EditOneofCase.Hint && header.Hint.Action == V1.LesionHint.Types.Action.Add
            ? PointOf(header.Hint)
            : (Vec3?)null;
        var within = header.EditCase == V1.EditHeader.EditOneofCase.Region ? BoxOf(header.Region.Box) : (VoxelRange?)null;
        EditOutcome outcome;
        try
        {
            outcome = await worker.DiagnoseAsync(new DiagnoseJob(study.Id, kept.Aligned, before, kept.Diagnosed, after, within, ct, addAt));
        }
        catch (ArgumentException e)
        {
            LogUnusable(logger, study.Id, e.Message);
            throw RpcErrors.InvalidArgument("header", $"the edited labels cannot be diagnosed: {e.Message}", "EDIT_UNUSABLE");
        }

        var (changed, diagnosis) = (outcome.Changed, outcome.Diagnosed.Diagnosis);
        var stored = store.AppendRevision(study.Id, header.BaseRevision, outcome.Labels, changed.ToBounds(), outcome.Diagnosed);
        var seconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
        LogEdited(logger, study.Id, header.EditCase.ToString(), stored.Revision, changed.VoxelCount, diagnosis.Lesions.Count, seconds * 1000);
        return new V1.SubmitEditResponse
        {
            Revision = stored.Revision,
            ChangedRegion = changed.ToProto(),
            Diagnosis = DiagnosisMapping.MapToDiagnosis(diagnosis, study.Id, stored.Revision, worker.ModelVersion,
                [new StageTiming(AnalysisStage.Classification, null, seconds)], phaseCheck: stored.PhaseCheck),
        };
    }

    /// <summary>A REMOVE hint's labels; an ADD hint only has its point checked here (its lesion is made on the worker).</summary>
    private static Volume HintLabels(Volume labels, V1.LesionHint hint) => hint.Action switch
    {
        V1.LesionHint.Types.Action.Remove => LabelEdits.RemoveLesion(labels, PointOf(hint)),
        V1.LesionHint.Types.Action.Add => CheckedInside(labels, PointOf(hint)),
        _ => throw RpcErrors.InvalidArgument("header.hint.action", "the hint's action must be ADD or REMOVE", "HINT_ACTION_MISSING"),
    };

    private static Volume CheckedInside(Volume labels, Vec3 point)
    {
        var index = labels.Geometry.PhysicalToIndex(point);
        if (!labels.Size.Contains((int)Math.Round(index.X), (int)Math.Round(index.Y), (int)Math.Round(index.Z)))
        {
            throw RpcErrors.InvalidArgument("header.hint.point_lps",
                $"the point ({point.X:F1}, {point.Y:F1}, {point.Z:F1}) mm is outside the reference grid", "POINT_OUTSIDE_GRID");
        }

        return labels;
    }

    private static VoxelRange BoxOf(V1.VoxelBox b) =>
        new((int)b.I0, (int)b.J0, (int)b.K0, (int)(b.I0 + b.SizeI), (int)(b.J0 + b.SizeJ), (int)(b.K0 + b.SizeK));

    private static Vec3 PointOf(V1.LesionHint hint)
    {
        var p = hint.PointLps ?? throw RpcErrors.InvalidArgument("header.hint.point_lps", "the hint needs a point", "POINT_MISSING");
        // NaN would round to voxel 0 and pass the grid check.
        if (!double.IsFinite(p.X) || !double.IsFinite(p.Y) || !double.IsFinite(p.Z))
        {
            throw RpcErrors.InvalidArgument("header.hint.point_lps", $"the point ({p.X}, {p.Y}, {p.Z}) must be finite (LPS mm)", "POINT_NOT_FINITE");
        }

        return new Vec3(p.X, p.Y, p.Z);
    }

    public override async Task GetSegmentation(V1.GetSegmentationRequest request, IServerStreamWriter<V1.SegmentationMessage> responseStream, ServerCallContext context)
    {
        var ct = context.CancellationToken;
        var study = store.Get(request.StudyId);
        var kept = study.Analysis ?? throw StudyRequestException.NotAnalysed(study.Id);
        var revision = request.Revision == 0 ? kept.Revision : request.Revision;
        var labels = kept.LabelsAt(revision) ?? throw RpcErrors.RevisionNotFound(study.Id, request.Revision, kept.FirstRevision, kept.Revision);
        var reference = kept.Aligned.ReferencePhase;
        var phase = DiagnosisMapping.MapToPhaseCode(request.Phase);
        if (phase is null && request.Phase != V1.Phase.Unspecified)
        {
            throw RpcErrors.InvalidArgument("phase", $"phase {(int)request.Phase} is not N, A, P or D (leave it unspecified for the reference grid)", "UNKNOWN_PHASE");
        }

        if (phase is not null && phase != reference)
        {
            throw RpcErrors.FailedPrecondition("phase",
                study.Phases.Any(p => (int)p.Descriptor.Phase == (int)request.Phase)
                    ? $"only the reference grid ({reference}) is kept per revision; phase {phase}'s own-grid mask is streamed by Analyze with per_phase_masks"
                    : $"the study has no phase {phase}; its labels are kept on the reference grid ({reference})",
                "PHASE_GRID_NOT_KEPT");
        }

        await responseStream.WriteAsync(new V1.SegmentationMessage { Header = SegmentationEncoder.Header(labels, reference, revision, isReferenceGrid: true) }, ct);
        foreach (var chunk in SegmentationEncoder.Chunks(labels, reference))
        {
            await responseStream.WriteAsync(new V1.SegmentationMessage { Chunk = chunk }, ct);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Edit of study {StudyId} ({Kind}) stored as revision {Revision}: {ChangedVoxels} voxels in the changed box, {LesionCount} lesions, {Milliseconds:F0} ms")]
    private static partial void LogEdited(ILogger logger, string studyId, string kind, uint revision, long changedVoxels, int lesionCount, double milliseconds);

    [LoggerMessage(Level = LogLevel.Information, Message = "Analyze of study {StudyId} refused by the engine: {Reason}")]
    private static partial void LogUnusable(ILogger logger, string studyId, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Analyze of study {StudyId} answered: reference {ReferencePhase}, {LesionCount} lesions, {LabelBytes} label bytes")]
    private static partial void LogAnswered(ILogger logger, string studyId, string referencePhase, int lesionCount, long labelBytes);
}
