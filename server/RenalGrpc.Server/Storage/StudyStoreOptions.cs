namespace RenalGrpc.Server.Storage;

/// <summary>Limits of the in-memory study store.</summary>
public sealed record StudyStoreOptions(
    TimeSpan StudyTtl,
    long MemoryBudgetBytes,
    ulong MaxVoxelsPerPhase)
{
    /// <summary>Largest chunk data accepted as sent (1 MiB), fixed by the contract.</summary>
    public const int MaxChunkBytes = 1 << 20;

    /// <summary>A .NET array holds at most this many bytes; larger phases cannot be stored.</summary>
    public static readonly ulong MaxPhaseBytes = (ulong)Array.MaxLength;
}
