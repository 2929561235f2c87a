namespace RenalGrpc.Imaging.Resampling;

/// <summary>
/// The affine map from a target voxel index to the source's continuous index:
/// source = Offset + i * StepI + j * StepJ + k * StepK. Both grids are affine in LPS, so the
/// composition (source physical-to-index) o (target index-to-physical) is affine too, and a row
/// of target voxels walks the source in equal steps: the inner loop needs additions only.
/// </summary>
public readonly record struct IndexMapping(Vec3 Offset, Vec3 StepI, Vec3 StepJ, Vec3 StepK)
{
    /// <summary>Mapping from <paramref name="target"/> voxel indices to <paramref name="source"/> continuous indices.</summary>
    public static IndexMapping Between(Geometry target, Geometry source)
    {
        var toSourceIndex = source.IndexToPhysicalMatrix.Inverse();
        var steps = toSourceIndex * target.IndexToPhysicalMatrix;
        var offset = toSourceIndex * (target.Origin - source.Origin);
        return new IndexMapping(offset, steps.Column(0), steps.Column(1), steps.Column(2));
    }

    /// <summary>Source continuous index of target voxel (i, j, k).</summary>
    public Vec3 Map(double i, double j, double k) => Offset + StepI * i + StepJ * j + StepK * k;
}
