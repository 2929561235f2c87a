using RenalGrpc.Imaging;

namespace RenalGrpc.Engine.Analysis;

/// <summary>An affine map of LPS points (mm): p -> Linear * p + Offset.</summary>
public sealed record LpsAffine(Matrix3 Linear, Vec3 Offset)
{
    public static LpsAffine Identity { get; } = new(Matrix3.Identity, Vec3.Zero);

    public Vec3 Apply(Vec3 point) => Linear * point + Offset;

    /// <summary>this after <paramref name="first"/>: p -> this(first(p)).</summary>
    public LpsAffine After(LpsAffine first) => new(Linear * first.Linear, Linear * first.Offset + Offset);

    public LpsAffine Inverse()
    {
        var inverse = Linear.Inverse();
        return new LpsAffine(inverse, inverse * Offset * -1);
    }

    /// <summary>Index (i, j, k) to LPS of a grid.</summary>
    public static LpsAffine IndexToPhysical(Geometry grid) => new(grid.IndexToPhysicalMatrix, grid.Origin);

    /// <summary>Per-axis scale and shift.</summary>
    public static LpsAffine Diagonal(Vec3 scale, Vec3 shift) => new(new Matrix3(scale.X, 0, 0, 0, scale.Y, 0, 0, 0, scale.Z), shift);
}

/// <summary>
/// Puts a phase onto the reference grid through a reference-LPS to phase-LPS map (the phase's
/// motion found by registration): every reference voxel centre is mapped into the phase's grid and
/// sampled there, trilinearly for images and by nearest neighbour for labels. Straight from the
/// phase's own voxels, so the image loses nothing to an intermediate model-spacing grid.
/// </summary>
public static class PhaseWarp
{
    /// <summary>What an image reads where the reference grid sees beyond the phase's field of view: air.</summary>
    public const float OutsideHu = -1000;

    /// <summary>The image as float32 on the reference grid; outside the phase's field of view <paramref name="outsideValue"/>.</summary>
    public static Volume Image(Volume phase, Geometry reference, LpsAffine referenceToPhase, float outsideValue = OutsideHu)
    {
        ArgumentNullException.ThrowIfNull(phase);
        var source = phase.ToFloatArray();
        var result = new float[reference.VoxelCount];
        Sample(source, phase.Geometry, reference, referenceToPhase, result, nearest: false, outsideValue);
        return Volume.FromVoxels<float>(reference, result);
    }

    /// <summary>
    /// A small target grid (e.g. one box) sampled from an image without copying it: one thread, and a
    /// float32 image is read in place (<see cref="Image"/> copies the whole source to float first).
    /// </summary>
    public static void SampleInto(Volume image, Geometry target, LpsAffine targetToImage, Span<float> destination, float outsideValue = OutsideHu)
    {
        ArgumentNullException.ThrowIfNull(image);
        ArgumentNullException.ThrowIfNull(target);
        if (destination.Length != target.VoxelCount) throw new ArgumentException($"destination holds {destination.Length} values for {target.VoxelCount} voxels");
        ReadOnlySpan<float> source = image.VoxelType == VoxelType.Float32
            ? System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(image.Buffer)
            : image.ToFloatArray();
        var map = IndexMap(image.Geometry, target, targetToImage);
        var size = image.Size;
        var targetSize = target.Size;
        var stepI = map.Linear.Column(0);
        for (int k = 0; k < targetSize.K; k++)
            for (int j = 0; j < targetSize.J; j++)
            {
                var p = map.Apply(new Vec3(0, j, k));
                long row = targetSize.Index(0, j, k);
                for (int i = 0; i < targetSize.I; i++, p += stepI)
                    destination[(int)(row + i)] = IsInside(size, p) ? Trilinear(source, size, p) : outsideValue;
            }
    }

    /// <summary>A uint8 label map on the reference grid (nearest neighbour; background outside).</summary>
    public static Volume Labels(Volume phaseLabels, Geometry reference, LpsAffine referenceToPhase)
    {
        ArgumentNullException.ThrowIfNull(phaseLabels);
        if (phaseLabels.VoxelType != VoxelType.UInt8) throw new ArgumentException($"labels must be uint8, got {phaseLabels.VoxelType}");
        var source = phaseLabels.ToFloatArray();
        var result = new float[reference.VoxelCount];
        Sample(source, phaseLabels.Geometry, reference, referenceToPhase, result, nearest: true, 0);
        var bytes = new byte[result.Length];
        for (int n = 0; n < bytes.Length; n++) bytes[n] = (byte)result[n];
        return new Volume(reference, VoxelType.UInt8, bytes);
    }

    /// <summary>Reference voxel index to the phase's continuous voxel index.</summary>
    public static LpsAffine IndexMap(Geometry phase, Geometry reference, LpsAffine referenceToPhase) =>
        LpsAffine.IndexToPhysical(phase).Inverse().After(referenceToPhase).After(LpsAffine.IndexToPhysical(reference));

    private static void Sample(float[] source, Geometry sourceGrid, Geometry reference, LpsAffine referenceToPhase,
        float[] target, bool nearest, float outside)
    {
        ArgumentNullException.ThrowIfNull(reference);
        ArgumentNullException.ThrowIfNull(referenceToPhase);
        var map = IndexMap(sourceGrid, reference, referenceToPhase);
        var size = sourceGrid.Size;
        var targetSize = reference.Size;
        var stepI = map.Linear.Column(0);
        Parallel.For(0, targetSize.K, k =>
        {
            for (int j = 0; j < targetSize.J; j++)
            {
                var p = map.Apply(new Vec3(0, j, k));
                long row = targetSize.Index(0, j, k);
                for (int i = 0; i < targetSize.I; i++, p += stepI)
                {
                    if (!IsInside(size, p))
                    {
                        target[row + i] = outside;
                        continue;
                    }
                    target[row + i] = nearest ? Nearest(source, size, p) : Trilinear(source, size, p);
                }
            }
        });
    }

    // Inside up to the outer faces of the edge voxels, as the resamplers of the imaging core.
    private static bool IsInside(GridSize size, Vec3 p) =>
        p.X >= -0.5 && p.Y >= -0.5 && p.Z >= -0.5 && p.X <= size.I - 0.5 && p.Y <= size.J - 0.5 && p.Z <= size.K - 0.5;

    private static float Nearest(float[] source, GridSize size, Vec3 p)
    {
        int i = Math.Clamp((int)Math.Floor(p.X + 0.5), 0, size.I - 1);
        int j = Math.Clamp((int)Math.Floor(p.Y + 0.5), 0, size.J - 1);
        int k = Math.Clamp((int)Math.Floor(p.Z + 0.5), 0, size.K - 1);
        return source[size.Index(i, j, k)];
    }

    private static float Trilinear(ReadOnlySpan<float> source, GridSize size, Vec3 p)
    {
        double x = Math.Clamp(p.X, 0, size.I - 1), y = Math.Clamp(p.Y, 0, size.J - 1), z = Math.Clamp(p.Z, 0, size.K - 1);
        int i0 = (int)x, j0 = (int)y, k0 = (int)z;
        int i1 = Math.Min(i0 + 1, size.I - 1), j1 = Math.Min(j0 + 1, size.J - 1), k1 = Math.Min(k0 + 1, size.K - 1);
        double fx = x - i0, fy = y - j0, fz = z - k0;
        double Row(ReadOnlySpan<float> s, int j, int k) => s[(int)size.Index(i0, j, k)] * (1 - fx) + s[(int)size.Index(i1, j, k)] * fx;
        double Plane(ReadOnlySpan<float> s, int k) => Row(s, j0, k) * (1 - fy) + Row(s, j1, k) * fy;
        return (float)(Plane(source, k0) * (1 - fz) + Plane(source, k1) * fz);
    }
}
