using RenalGrpc.Imaging;
using RenalGrpc.Server.Storage;

namespace RenalGrpc.Server.Analysis;

/// <summary>Turns a stored study's phases into the engine's volumes.</summary>
public static class StudyVolumes
{
    /// <summary>
    /// Phase code to volume. The bytes are copied: the stored buffers are pooled and go back to the
    /// pool when the study is deleted or expires, which may happen while the engine still reads them.
    /// </summary>
    public static IReadOnlyDictionary<string, Volume> Copy(StoredStudy study) =>
        study.Phases.ToDictionary(p => p.Descriptor.Phase.ToString(), p => new Volume(GeometryOf(p.Descriptor), p.Descriptor.VoxelType, p.Voxels.ToArray()), StringComparer.Ordinal);

    public static Geometry GeometryOf(PhaseDescriptor d) => new(
        new GridSize(checked((int)d.SizeI), checked((int)d.SizeJ), checked((int)d.SizeK)),
        new Vec3(d.Spacing[0], d.Spacing[1], d.Spacing[2]),
        new Vec3(d.Origin[0], d.Origin[1], d.Origin[2]),
        Matrix3.FromRowMajor(d.Direction));
}
