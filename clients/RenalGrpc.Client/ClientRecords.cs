using RenalGrpc.Imaging;

namespace RenalGrpc.Client;

/// <summary>What a server offers (ServerInfo).</summary>
public sealed record RenalServerInfo(
    string ServerVersion,
    ModelSummary Model,
    string Device,
    IReadOnlyList<LabelDescription> Labels,
    IReadOnlyList<string> Subtypes,
    IReadOnlyList<string> PhasesSupported,
    ServerLimits Limits,
    IReadOnlyList<ChunkCompression> Compressions,
    bool AuthRequired);

public sealed record ModelSummary(string Name, string Version, string Sha256, bool Loaded, string Status, string TrainingData);

/// <summary>One KiTS23 label: value, name, display colour and SNOMED CT coding.</summary>
public sealed record LabelDescription(
    uint Value, string Name, byte Red, byte Green, byte Blue,
    string SnomedCtCode, string SnomedCtMeaning, string SnomedCtCategory);

public sealed record ServerLimits(
    ulong MaxVoxelsPerPhase,
    uint MaxChunkBytes,
    ulong MaxStudyBytes,
    ulong MemoryBudgetBytes,
    TimeSpan StudyTtl,
    uint MaxMessageBytes,
    uint AnalyzeQueueCapacity);

/// <summary>One stored phase: "N", "A", "P" or "D", its grid and the SHA-256 of its voxel bytes (lower-case hex).</summary>
public sealed record PhaseDescription(string Phase, VoxelType VoxelType, Geometry Geometry, long ByteLength, string Sha256Hex);

public sealed record StudySummary(
    string StudyId,
    IReadOnlyList<PhaseDescription> Phases,
    long TotalBytes,
    DateTimeOffset CreatedAt,
    DateTimeOffset ExpiresAt,
    uint SegmentationRevision);

public sealed record StudyListing(IReadOnlyList<StudySummary> Studies, long MemoryUsedBytes, long MemoryBudgetBytes);

/// <summary>
/// Outcome of an upload. Bytes counts uncompressed voxel bytes; WireBytes what went over the wire
/// (both 0 when the study was already stored). Seconds and MBps cover the streaming only;
/// HashSeconds the SHA-256 pass before it.
/// </summary>
public sealed record UploadResult(
    string StudyId,
    DateTimeOffset ExpiresAt,
    bool AlreadyStored,
    long Bytes,
    long WireBytes,
    double Seconds,
    double HashSeconds)
{
    public double MBps => Seconds > 0 ? Bytes / Seconds / 1e6 : 0;
}

/// <summary>Upload progress in uncompressed bytes.</summary>
public sealed record UploadProgress(long BytesSent, long TotalBytes, string Phase)
{
    public double Fraction => TotalBytes == 0 ? 1 : (double)BytesSent / TotalBytes;
}
