using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using RenalGrpc.Server.Storage;
using V1 = RenalGrpc.V1;

namespace RenalGrpc.Server.Services;

/// <summary>Translation between renal.v1 messages and the store's types. No validation here: the store validates.</summary>
public static class ProtoMapping
{
    public static PhaseDescriptorInput MapToInput(V1.VolumeDescriptor d) => new(
        (int)d.Phase,
        (int)d.VoxelType,
        d.Geometry is null ? null : MapToInput(d.Geometry),
        d.ByteLength,
        d.Sha256.ToByteArray());

    public static IReadOnlyList<PhaseDescriptorInput> MapToInputs(IEnumerable<V1.VolumeDescriptor> descriptors) =>
        [.. descriptors.Select(MapToInput)];

    private static GeometryInput MapToInput(V1.Geometry g) => new(
        g.SizeI, g.SizeJ, g.SizeK,
        g.Spacing is null ? null : [g.Spacing.X, g.Spacing.Y, g.Spacing.Z],
        g.Origin is null ? null : [g.Origin.X, g.Origin.Y, g.Origin.Z],
        [.. g.Direction]);

    /// <summary>The chunk's data is wrapped, not copied: the store copies it once to its place.</summary>
    public static ChunkInput MapToInput(V1.VolumeChunk c) =>
        new((int)c.Phase, c.Offset, c.Data.Memory, (int)c.Compression, c.UncompressedLength);

    public static V1.VolumeDescriptor MapToDescriptor(PhaseDescriptor d) => new()
    {
        Phase = (V1.Phase)d.Phase,
        VoxelType = (V1.VoxelType)d.VoxelType,
        Geometry = new V1.Geometry
        {
            SizeI = d.SizeI,
            SizeJ = d.SizeJ,
            SizeK = d.SizeK,
            Spacing = new V1.Vector3 { X = d.Spacing[0], Y = d.Spacing[1], Z = d.Spacing[2] },
            Origin = new V1.Vector3 { X = d.Origin[0], Y = d.Origin[1], Z = d.Origin[2] },
            Direction = { d.Direction },
        },
        ByteLength = d.ByteLength,
        Sha256 = ByteString.CopyFrom(d.Sha256),
    };

    public static V1.StudyInfo MapToStudyInfo(StoredStudy s) => new()
    {
        StudyId = s.Id,
        Phases = { s.Phases.Select(p => MapToDescriptor(p.Descriptor)) },
        TotalBytes = s.TotalBytes,
        CreatedAt = Timestamp.FromDateTimeOffset(s.CreatedAt),
        ExpiresAt = Timestamp.FromDateTimeOffset(s.ExpiresAt),
        SegmentationRevision = s.SegmentationRevision,
    };

    public static V1.UploadStudyResponse MapToUploadResponse(StoredStudy s, bool alreadyStored) => new()
    {
        StudyId = s.Id,
        ExpiresAt = Timestamp.FromDateTimeOffset(s.ExpiresAt),
        Phases = { s.Phases.Select(p => new V1.StoredPhase { Descriptor_ = MapToDescriptor(p.Descriptor), BytesReceived = p.BytesReceived }) },
        AlreadyStored = alreadyStored,
    };
}
