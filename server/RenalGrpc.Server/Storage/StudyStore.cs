using Microsoft.Extensions.Logging;
using RenalGrpc.Engine.Analysis;
using RenalGrpc.Imaging;
using RenalGrpc.Imaging.Components;

namespace RenalGrpc.Server.Storage;

/// <summary>
/// Studies in memory, addressed by content, with an idle TTL and a global memory budget that is
/// reserved when an upload's header arrives (so concurrent uploads cannot overcommit).
/// </summary>
public sealed partial class StudyStore(StudyStoreOptions options, TimeProvider time, ILogger<StudyStore> logger) : IDisposable
{
    private readonly Dictionary<string, StoredStudy> _studies = [];
    private readonly Lock _gate = new();
    private readonly RetiredRevisions _retired = new();
    private long _memoryUsedBytes;

    public StudyStoreOptions Options { get; } = options;

    /// <summary>Where phase buffers come from and go back to (exact sizes, bounded reuse).</summary>
    public VolumeBufferPool Buffers { get; } = new(Math.Min(256L << 20, options.MemoryBudgetBytes / 4));

    /// <summary>Bytes reserved by stored studies and uploads in progress.</summary>
    public long MemoryUsedBytes => Interlocked.Read(ref _memoryUsedBytes);

    public StudyUploadSession BeginUpload(IReadOnlyList<PhaseDescriptorInput> inputs)
    {
        var phases = DescriptorValidator.Validate(inputs, Options.MaxVoxelsPerPhase);
        var id = StudyIdentity.Compute(phases);
        var studyBytes = phases.Aggregate(0UL, (s, p) => s + p.ByteLength);
        if (Options.MaxStudyBytes is { } cap && studyBytes > (ulong)cap)
        {
            // Checked before anything is reserved or compared, so the answer does not depend on what else
            // is stored. Without a cap, a study over the whole budget stays MEMORY_BUDGET_EXCEEDED below.
            LogStudyTooLarge(logger, id, studyBytes, cap);
            throw StudyRequestException.Exhausted("max_study_bytes",
                $"the study has {studyBytes} bytes but this server accepts at most {cap} bytes per study (limits.max_study_bytes in GetServerInfo)",
                "STUDY_TOO_LARGE");
        }

        lock (_gate)
        {
            if (_studies.TryGetValue(id, out var existing))
            {
                LogUploadDeduplicated(logger, id);
                return new StudyUploadSession(this, id, phases, Touch(existing));
            }

            var needed = phases.Aggregate(0UL, (s, p) => s + p.ByteLength);
            var available = (ulong)Math.Max(0, Options.MemoryBudgetBytes - _memoryUsedBytes);
            if (needed > available)
            {
                LogBudgetRefused(logger, id, needed, _memoryUsedBytes, Options.MemoryBudgetBytes);
                throw StudyRequestException.Exhausted("memory_budget",
                    $"the study needs {needed} bytes but only {available} of the server's {Options.MemoryBudgetBytes}-byte budget are free; delete studies or wait for them to expire",
                    "MEMORY_BUDGET_EXCEEDED");
            }

            _memoryUsedBytes += (long)needed;
        }

        try
        {
            LogUploadStarted(logger, id, phases.Count, phases.Aggregate(0UL, (s, p) => s + p.ByteLength));
            return new StudyUploadSession(this, id, phases, existing: null);
        }
        catch
        {
            Release(phases.Aggregate(0UL, (s, p) => s + p.ByteLength));
            throw;
        }
    }

    /// <summary>The stored study with exactly these descriptors, its TTL refreshed; null when none.</summary>
    public StoredStudy? Find(IReadOnlyList<PhaseDescriptorInput> inputs)
    {
        var id = StudyIdentity.Compute(DescriptorValidator.Validate(inputs, Options.MaxVoxelsPerPhase));
        lock (_gate)
        {
            return _studies.TryGetValue(id, out var study) ? Touch(study) : null;
        }
    }

    public StoredStudy Get(string studyId)
    {
        lock (_gate)
        {
            return _studies.TryGetValue(studyId, out var study) ? Touch(study) : throw StudyRequestException.NotFound(studyId);
        }
    }

    public bool Contains(string studyId)
    {
        lock (_gate)
        {
            return _studies.ContainsKey(studyId);
        }
    }

    public IReadOnlyList<StoredStudy> List()
    {
        lock (_gate)
        {
            return [.. _studies.Values.OrderBy(s => s.CreatedAt)];
        }
    }

    public bool Delete(string studyId)
    {
        StoredStudy? removed;
        lock (_gate)
        {
            if (!_studies.Remove(studyId, out removed))
            {
                return false;
            }

            _retired.Retire(studyId, removed.RevisionsIssued);
        }

        Free(removed);
        LogStudyDeleted(logger, studyId);
        return true;
    }

    /// <summary>Removes studies idle past their expiry; returns how many.</summary>
    public int ExpireIdle()
    {
        var now = time.GetUtcNow();
        List<StoredStudy> expired;
        lock (_gate)
        {
            expired = [.. _studies.Values.Where(s => s.ExpiresAt <= now)];
            foreach (var study in expired)
            {
                _studies.Remove(study.Id);
                _retired.Retire(study.Id, study.RevisionsIssued);
            }
        }

        foreach (var study in expired)
        {
            Free(study);
            LogStudyExpired(logger, study.Id, study.TotalBytes);
        }

        return expired.Count;
    }

    /// <summary>
    /// Keeps an analysis with its study, replacing any earlier one and its revisions, under the next
    /// revision number the study has not used (1 for its first Analyze; numbers carry on across an
    /// expiry or delete and re-upload of the same scans, <see cref="RetiredRevisions"/>): numbers are
    /// never reused, so an edit against the replaced labels is refused as stale. <see cref="AttachedAnalysis.Kept"/>
    /// is null (and nothing is kept) when the study is gone or the result does not fit the memory
    /// budget; the diagnosis is still answered under that revision, only later edits would need a new Analyze.
    /// </summary>
    public AttachedAnalysis AttachAnalysis(string studyId, AlignedStudy aligned, Volume labels, DiagnosedLabels? diagnosed = null, PhaseCheckRecord? phaseCheck = null)
    {
        var bytes = StoredAnalysis.BytesOf(aligned, labels);
        lock (_gate)
        {
            if (!_studies.TryGetValue(studyId, out var study))
            {
                return new AttachedAnalysis(_retired.IssueNext(studyId), null);
            }

            var revision = study.RevisionsIssued + 1;
            study.RevisionsIssued = revision;
            var previousBytes = study.Analysis?.Bytes ?? 0;
            var available = (ulong)Math.Max(0, Options.MemoryBudgetBytes - _memoryUsedBytes) + previousBytes;
            var analysis = bytes <= available ? new StoredAnalysis(aligned, labels, [], bytes, diagnosed, revision) { PhaseCheck = phaseCheck } : null;
            study.ReplaceAnalysis(analysis);
            _memoryUsedBytes += (long)(analysis?.Bytes ?? 0) - (long)previousBytes;
            Touch(study);
            if (analysis is null)
            {
                LogAnalysisNotKept(logger, studyId, bytes, available);
            }

            return new AttachedAnalysis(revision, analysis);
        }
    }

    /// <summary>
    /// Appends edited labels as the next revision when <paramref name="baseRevision"/> is still the
    /// latest (so two clients editing at once cannot silently overwrite each other), counting them
    /// in the memory budget: the new labels replace the latest whole, and the older labels inside
    /// <paramref name="changed"/> (the box holding every voxel the edit changed) are kept to rebuild
    /// the base revision, so an edit costs its box. Throws <see cref="StudyRequestException"/>: NotFound (study gone),
    /// FailedPrecondition (never analysed), Stale (another edit came first), ResourceExhausted (budget).
    /// </summary>
    public StoredAnalysis AppendRevision(string studyId, uint baseRevision, Volume labels, VoxelBounds changed, DiagnosedLabels? diagnosed = null)
    {
        lock (_gate)
        {
            if (!_studies.TryGetValue(studyId, out var study))
            {
                throw StudyRequestException.NotFound(studyId);
            }

            var current = study.Analysis ?? throw StudyRequestException.NotAnalysed(studyId);
            if (current.Revision != baseRevision)
            {
                throw StudyRequestException.Stale(baseRevision, current);
            }

            // The new map replaces the old one as the whole latest; what stays of the old one is its
            // labels in the box the edit changed (the base revision is the latest: checked above).
            var undo = RevisionUndo.Of(current.Labels, changed);
            var bytes = undo.Bytes;
            var available = (ulong)Math.Max(0, Options.MemoryBudgetBytes - _memoryUsedBytes);
            if (bytes > available)
            {
                throw StudyRequestException.Exhausted("memory_budget",
                    $"the new revision needs {bytes} bytes but only {available} of the server's {Options.MemoryBudgetBytes}-byte budget are free; delete studies or wait for them to expire",
                    "MEMORY_BUDGET_EXCEEDED");
            }

            var next = current with { Labels = labels, Undo = [.. current.Undo, undo], Bytes = current.Bytes + bytes, Diagnosed = diagnosed };
            study.ReplaceAnalysis(next);
            study.RevisionsIssued = next.Revision;
            _memoryUsedBytes += (long)bytes;
            Touch(study);
            LogRevisionStored(logger, studyId, next.Revision, bytes);
            return next;
        }
    }

    internal StoredStudy Touch(StoredStudy study)
    {
        study.Touch(time.GetUtcNow() + Options.StudyTtl);
        return study;
    }

    internal (StoredStudy Study, bool AlreadyStored) Commit(StudyUploadSession session, IReadOnlyList<StoredPhase> phases)
    {
        var now = time.GetUtcNow();
        lock (_gate)
        {
            if (_studies.TryGetValue(session.StudyId, out var raced))
            {
                // Another upload of the same content finished first: keep that one, drop ours.
                foreach (var phase in phases)
                {
                    Buffers.Return(phase.Buffer);
                }

                _memoryUsedBytes -= (long)session.ReservedBytes;
                return (Touch(raced), true);
            }

            var study = new StoredStudy(session.StudyId, phases, now, now + Options.StudyTtl) { RevisionsIssued = _retired.Revive(session.StudyId) };
            _studies[study.Id] = study;
            LogStudyStored(logger, study.Id, phases.Count, study.TotalBytes);
            return (study, false);
        }
    }

    internal void Release(ulong reservedBytes) => Interlocked.Add(ref _memoryUsedBytes, -(long)reservedBytes);

    private void Free(StoredStudy study)
    {
        foreach (var phase in study.Phases)
        {
            Buffers.Return(phase.Buffer);
        }

        Release(study.TotalBytes + (study.ReplaceAnalysis(null)?.Bytes ?? 0));
    }

    public void Dispose()
    {
        lock (_gate)
        {
            foreach (var study in _studies.Values)
            {
                Free(study);
            }

            _studies.Clear();
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Upload of study {StudyId} started: {PhaseCount} phases, {Bytes} bytes reserved")]
    private static partial void LogUploadStarted(ILogger logger, string studyId, int phaseCount, ulong bytes);

    [LoggerMessage(Level = LogLevel.Information, Message = "Study {StudyId} is already stored; upload needs no memory")]
    private static partial void LogUploadDeduplicated(ILogger logger, string studyId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Study {StudyId} refused: needs {Needed} bytes, {Used} of {Budget} in use")]
    private static partial void LogBudgetRefused(ILogger logger, string studyId, ulong needed, long used, long budget);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Study {StudyId} refused: {Bytes} bytes, over the per-study limit of {Limit}")]
    private static partial void LogStudyTooLarge(ILogger logger, string studyId, ulong bytes, long limit);

    [LoggerMessage(Level = LogLevel.Information, Message = "Study {StudyId} stored: {PhaseCount} phases, {Bytes} bytes")]
    private static partial void LogStudyStored(ILogger logger, string studyId, int phaseCount, ulong bytes);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Analysis of study {StudyId} not kept for edits: needs {Needed} bytes, {Available} free in the budget")]
    private static partial void LogAnalysisNotKept(ILogger logger, string studyId, ulong needed, ulong available);

    [LoggerMessage(Level = LogLevel.Information, Message = "Study {StudyId}: revision {Revision} stored ({Bytes} bytes)")]
    private static partial void LogRevisionStored(ILogger logger, string studyId, uint revision, ulong bytes);

    [LoggerMessage(Level = LogLevel.Information, Message = "Study {StudyId} deleted")]
    private static partial void LogStudyDeleted(ILogger logger, string studyId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Study {StudyId} expired, {Bytes} bytes freed")]
    private static partial void LogStudyExpired(ILogger logger, string studyId, ulong bytes);
}
