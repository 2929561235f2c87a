namespace RenalGrpc.Server.Storage;

/// <summary>What kind of client mistake or limit a <see cref="StudyRequestException"/> reports.</summary>
public enum StudyErrorKind
{
    InvalidArgument,
    ResourceExhausted,
    NotFound,
    FailedPrecondition,
    Aborted,
}

/// <summary>
/// A request the store refuses. <see cref="Field"/> names the offending request field in the
/// contract's terms (e.g. "phases[P].sha256") so the transport can report it precisely.
/// </summary>
public sealed class StudyRequestException(StudyErrorKind kind, string field, string message, string reason)
    : Exception(message)
{
    public StudyErrorKind Kind { get; } = kind;
    public string Field { get; } = field;

    /// <summary>A short machine-readable reason (UPPER_SNAKE), e.g. "SHA256_MISMATCH".</summary>
    public string Reason { get; } = reason;

    public static StudyRequestException Invalid(string field, string message, string reason = "INVALID_ARGUMENT") =>
        new(StudyErrorKind.InvalidArgument, field, message, reason);

    public static StudyRequestException Exhausted(string field, string message, string reason) =>
        new(StudyErrorKind.ResourceExhausted, field, message, reason);

    /// <summary>The latest revision when an edit was refused as stale (ABORTED); null otherwise.</summary>
    public uint? CurrentRevision { get; private init; }

    public static StudyRequestException NotAnalysed(string studyId) =>
        new(StudyErrorKind.FailedPrecondition, "study_id", $"study '{studyId}' has no kept analysis: run Analyze first", "STUDY_NOT_ANALYSED");

    public static StudyRequestException FailedPrecondition(string field, string message, string reason) =>
        new(StudyErrorKind.FailedPrecondition, field, message, reason);

    /// <summary>An edit against a revision that is not the latest of <paramref name="current"/>, the kept analysis.</summary>
    public static StudyRequestException Stale(uint baseRevision, StoredAnalysis current)
    {
        var latest = current.Revision;
        var message = baseRevision > latest
            ? $"base_revision {baseRevision} is not stored: the latest revision is {latest}; fetch it and edit that"
            : baseRevision < current.FirstRevision
                ? $"base_revision {baseRevision} is stale: a later Analyze of this study replaced it with revision {current.FirstRevision} (the latest revision is {latest}); fetch the latest and edit that"
                : $"base_revision {baseRevision} is stale: the latest revision is {latest}; fetch it and edit that";
        return new(StudyErrorKind.Aborted, "base_revision", message, "STALE_REVISION") { CurrentRevision = latest };
    }

    public static StudyRequestException NotFound(string studyId) =>
        new(StudyErrorKind.NotFound, "study_id", StudyIdentity.IsWellFormed(studyId)
            ? $"study '{studyId}' is not stored (unknown or expired)"
            : $"study {StudyIdentity.Quoted(studyId)} is not stored: a study id is the {StudyIdentity.IdLength} lowercase hexadecimal characters UploadStudy returns",
            "STUDY_NOT_FOUND");
}
