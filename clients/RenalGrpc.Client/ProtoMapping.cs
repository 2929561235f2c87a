using Google.Protobuf;
using RenalGrpc.Imaging;
using Proto = RenalGrpc.V1;

namespace RenalGrpc.Client;

/// <summary>Conversions between the renal.v1 messages and the client's records / the imaging types.</summary>
public static class ProtoMapping
{
    public static readonly IReadOnlyList<string> PhaseCodes = ["N", "A", "P", "D"];

    public static Proto.Phase MapToPhase(string code) => code switch
    {
        "N" => Proto.Phase.N,
        "A" => Proto.Phase.A,
        "P" => Proto.Phase.P,
        "D" => Proto.Phase.D,
        _ => throw new ArgumentException($"unknown phase '{code}'; expected one of N, A, P, D", nameof(code)),
    };

    public static string MapToPhaseCode(Proto.Phase phase) => phase switch
    {
        Proto.Phase.N => "N",
        Proto.Phase.A => "A",
        Proto.Phase.P => "P",
        Proto.Phase.D => "D",
        _ => "?",
    };

    public static Proto.VoxelType MapToVoxelType(VoxelType type) => type switch
    {
        VoxelType.UInt8 => Proto.VoxelType.Uint8,
        VoxelType.Int16 => Proto.VoxelType.Int16,
        VoxelType.UInt16 => Proto.VoxelType.Uint16,
        VoxelType.Float32 => Proto.VoxelType.Float32,
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, "voxel type has no wire form"),
    };

    public static VoxelType MapToVoxelType(Proto.VoxelType type) => type switch
    {
        Proto.VoxelType.Uint8 => VoxelType.UInt8,
        Proto.VoxelType.Int16 => VoxelType.Int16,
        Proto.VoxelType.Uint16 => VoxelType.UInt16,
        Proto.VoxelType.Float32 => VoxelType.Float32,
        _ => throw new InvalidDataException($"server sent voxel type {type}"),
    };

    public static Proto.Compression MapToCompression(ChunkCompression c) => c switch
    {
        ChunkCompression.None => Proto.Compression.None,
        ChunkCompression.Zstd => Proto.Compression.Zstd,
        ChunkCompression.Lz4 => Proto.Compression.Lz4,
        _ => throw new ArgumentOutOfRangeException(nameof(c), c, "unknown compression"),
    };

    public static ChunkCompression MapToCompression(Proto.Compression c) => c switch
    {
        Proto.Compression.Zstd => ChunkCompression.Zstd,
        Proto.Compression.Lz4 => ChunkCompression.Lz4,
        _ => ChunkCompression.None,
    };

    public static Proto.Geometry MapToGeometry(Geometry g)
    {
        var proto = new Proto.Geometry
        {
            SizeI = (uint)g.Size.I,
            SizeJ = (uint)g.Size.J,
            SizeK = (uint)g.Size.K,
            Spacing = MapToVector(g.Spacing),
            Origin = MapToVector(g.Origin),
        };
        proto.Direction.AddRange(g.Direction.ToRowMajorArray());
        return proto;
    }

    public static Geometry MapToGeometry(Proto.Geometry g)
    {
        if (g.Direction.Count != 9) throw new InvalidDataException($"server sent a direction with {g.Direction.Count} values instead of 9");
        return new Geometry(
            new GridSize(checked((int)g.SizeI), checked((int)g.SizeJ), checked((int)g.SizeK)),
            MapToVec3(g.Spacing), MapToVec3(g.Origin), Matrix3.FromRowMajor(g.Direction.ToArray()));
    }

    public static Proto.Vector3 MapToVector(Vec3 v) => new() { X = v.X, Y = v.Y, Z = v.Z };

    public static Vec3 MapToVec3(Proto.Vector3? v) => v is null ? Vec3.Zero : new Vec3(v.X, v.Y, v.Z);

    /// <summary>The descriptor the server needs before the bytes: phase, type, grid, length and hash.</summary>
    public static Proto.VolumeDescriptor MapToDescriptor(string phase, Volume volume, byte[] sha256) => new()
    {
        Phase = MapToPhase(phase),
        VoxelType = MapToVoxelType(volume.VoxelType),
        Geometry = MapToGeometry(volume.Geometry),
        ByteLength = (ulong)volume.Buffer.LongLength,
        Sha256 = ByteString.CopyFrom(sha256),
    };

    public static PhaseDescription MapToPhaseDescription(Proto.VolumeDescriptor d) => new(
        MapToPhaseCode(d.Phase),
        MapToVoxelType(d.VoxelType),
        MapToGeometry(d.Geometry),
        checked((long)d.ByteLength),
        Convert.ToHexStringLower(d.Sha256.Span));

    public static StudySummary MapToStudySummary(Proto.StudyInfo s) => new(
        s.StudyId,
        s.Phases.Select(MapToPhaseDescription).ToList(),
        checked((long)s.TotalBytes),
        s.CreatedAt?.ToDateTimeOffset() ?? default,
        s.ExpiresAt?.ToDateTimeOffset() ?? default,
        s.SegmentationRevision);

    public static StudyListing MapToStudyListing(Proto.ListStudiesResponse r) => new(
        r.Studies.Select(MapToStudySummary).ToList(), checked((long)r.MemoryUsedBytes), checked((long)r.MemoryBudgetBytes));

    public static RenalServerInfo MapToServerInfo(Proto.ServerInfo s) => new(
        s.ServerVersion,
        s.Model is null ? new ModelSummary("", "", "", false, "no model information", "")
            : new ModelSummary(s.Model.Name, s.Model.Version, s.Model.Sha256, s.Model.Loaded, s.Model.Status, s.Model.TrainingData),
        s.Device,
        s.Labels.Select(l => new LabelDescription(l.Value, l.Name, ClampByte(l.Red), ClampByte(l.Green), ClampByte(l.Blue),
            l.SnomedCtCode, l.SnomedCtMeaning, l.SnomedCtCategory)).ToList(),
        s.Subtypes.ToList(),
        s.PhasesSupported.Select(MapToPhaseCode).ToList(),
        MapToLimits(s.Limits ?? new Proto.Limits()),
        s.Compressions.Select(MapToCompression).ToList(),
        s.AuthRequired);

    private static ServerLimits MapToLimits(Proto.Limits l) => new(
        l.MaxVoxelsPerPhase, l.MaxChunkBytes, l.MaxStudyBytes, l.MemoryBudgetBytes,
        l.StudyTtl?.ToTimeSpan() ?? TimeSpan.Zero, l.MaxMessageBytes, l.AnalyzeQueueCapacity);

    private static byte ClampByte(uint v) => (byte)Math.Min(v, 255u);
}
