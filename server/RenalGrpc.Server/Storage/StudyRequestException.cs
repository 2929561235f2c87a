namespace RenalGrpc.Server.Storage;

/// <summary>What kind of client mistake or limit a <see cref="StudyRequestException"/> reports.</summary>
public enum StudyErrorKind
{
    InvalidArgument,
    ResourceExhausted,
    NotFound,
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

    public static StudyRequestException NotFound(string studyId) =>
        new(StudyErrorKind.NotFound, "study_id", $"study '{studyId}' is not stored (unknown or expired)", "STUDY_NOT_FOUND");
}
