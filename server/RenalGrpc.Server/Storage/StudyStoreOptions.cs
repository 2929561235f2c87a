namespace RenalGrpc.Server.Storage;

/// <summary>Limits of the in-memory study store.</summary>
public sealed record StudyStoreOptions(
    TimeSpan StudyTtl,
    long MemoryBudgetBytes,
    ulong MaxVoxelsPerPhase,
    long? MaxStudyBytes = null)
{
    /// <summary>
    /// The most one study may hold: its own cap when set, never more than the whole budget. Without a
    /// cap, one large study could take the entire budget and lock every other client out until it expires.
    /// </summary>
    public long StudyLimitBytes => Math.Min(MaxStudyBytes ?? long.MaxValue, MemoryBudgetBytes);

    /// <summary>Largest chunk data accepted as sent (1 MiB), fixed by the contract.</summary>
    public const int MaxChunkBytes = 1 << 20;

    /// <summary>A .NET array holds at most this many bytes; larger phases cannot be stored.</summary>
    public static readonly ulong MaxPhaseBytes = (ulong)Array.MaxLength;
}
