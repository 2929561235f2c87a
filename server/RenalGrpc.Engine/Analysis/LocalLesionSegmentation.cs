using RenalGrpc.Imaging;
using RenalGrpc.Imaging.Components;

namespace RenalGrpc.Engine.Analysis;

/// <summary>
/// "Add the lesion the model missed here": runs stage 1 on a cube of the reference image around a
/// clicked point and keeps only the lesion (26-connected tumor or cyst component) under the point,
/// or the nearest one within <see cref="SnapRadiusMm"/>. Only the cube is segmented, so it answers
/// in about one sliding-window tile; a lesion wider than the cube is cut at its faces.
/// </summary>
public static class LocalLesionSegmentation
{
    /// <summary>Half the cube's edge: 80 mm holds all but the largest renal masses.</summary>
    public const double HalfWidthMm = 40;

    /// <summary>A click this close to a lesion (but not on it) still picks it.</summary>
    public const double SnapRadiusMm = 10;

    /// <summary>
    /// Reference-grid labels holding only the found lesion (2 or 3), 0 elsewhere; null when stage 1
    /// finds no lesion near the point. Throws ArgumentException when the point is outside the grid.
    /// </summary>
    public static Volume? Segment(IPhaseSegmenter segmenter, AlignedStudy aligned, Vec3 pointLps, CancellationToken cancellationToken)
    {
        var grid = aligned.ReferenceGrid;
        var size = grid.Size;
        if (!aligned.ImagesOnReference.TryGetValue(aligned.ReferencePhase, out var image))
            throw new ArgumentException($"the kept study has no {aligned.ReferencePhase} image on the reference grid");
        var index = grid.PhysicalToIndex(pointLps);
        int[] centre = [(int)Math.Round(index.X), (int)Math.Round(index.Y), (int)Math.Round(index.Z)];
        if (!size.Contains(centre[0], centre[1], centre[2]))
            throw new ArgumentException($"the point ({pointLps.X:F1}, {pointLps.Y:F1}, {pointLps.Z:F1}) mm is outside the reference grid");

        var lo = new int[3];
        var hi = new int[3];
        for (var a = 0; a < 3; a++)
        {
            var half = (int)Math.Ceiling(HalfWidthMm / grid.Spacing[a]);
            lo[a] = Math.Max(0, centre[a] - half);
            hi[a] = Math.Min(size[a] - 1, centre[a] + half);
        }

        var cubeSize = new GridSize(hi[0] - lo[0] + 1, hi[1] - lo[1] + 1, hi[2] - lo[2] + 1);
        var cubeGeometry = grid with { Size = cubeSize, Origin = grid.IndexToPhysical(lo[0], lo[1], lo[2]) };
        var cube = Crop(image, cubeGeometry, lo);
        var segmentation = segmenter.Segment(aligned.ReferencePhase, cube, mirrorTta: false, progress: null, cancellationToken);
        var labels = segmentation.Labels;
        if (labels.VoxelType != VoxelType.UInt8 || labels.Size != cubeSize)
            throw new InvalidOperationException("the segmenter returned labels that are not uint8 on the cube's grid");

        var found = PickLesion(labels, grid.Spacing, centre[0] - lo[0], centre[1] - lo[1], centre[2] - lo[2]);
        if (found is null) return null;
        var (label, mask) = found.Value;
        var result = new byte[size.VoxelCount];
        for (var k = 0; k < cubeSize.K; k++)
            for (var j = 0; j < cubeSize.J; j++)
                for (var i = 0; i < cubeSize.I; i++)
                    if (mask[cubeSize.Index(i, j, k)])
                        result[size.Index(lo[0] + i, lo[1] + j, lo[2] + k)] = label;
        return new Volume(grid, VoxelType.UInt8, result);
    }

    private static Volume Crop(Volume image, Geometry cubeGeometry, int[] lo)
    {
        var bytesPerVoxel = image.VoxelType.BytesPerVoxel();
        var size = image.Size;
        var cubeSize = cubeGeometry.Size;
        var bytes = new byte[cubeSize.VoxelCount * bytesPerVoxel];
        var rowBytes = cubeSize.I * bytesPerVoxel;
        for (var k = 0; k < cubeSize.K; k++)
            for (var j = 0; j < cubeSize.J; j++)
                Array.Copy(image.Buffer, size.Index(lo[0], lo[1] + j, lo[2] + k) * bytesPerVoxel,
                    bytes, cubeSize.Index(0, j, k) * bytesPerVoxel, rowBytes);
        return new Volume(cubeGeometry, image.VoxelType, bytes);
    }

    /// <summary>The lesion component at (i, j, k), else the nearest lesion voxel's within the snap radius.</summary>
    private static (byte Label, bool[] Mask)? PickLesion(Volume labels, Vec3 spacing, int i, int j, int k)
    {
        var size = labels.Size;
        var values = labels.Buffer;
        long best = -1;
        var bestDistance = SnapRadiusMm * SnapRadiusMm;
        for (var z = 0; z < size.K; z++)
            for (var y = 0; y < size.J; y++)
                for (var x = 0; x < size.I; x++)
                {
                    var v = values[size.Index(x, y, z)];
                    if (v != KidneyLabels.Tumor && v != KidneyLabels.Cyst) continue;
                    double dx = (x - i) * spacing.X, dy = (y - j) * spacing.Y, dz = (z - k) * spacing.Z;
                    var d = dx * dx + dy * dy + dz * dz;
                    if (d <= bestDistance)
                    {
                        (best, bestDistance) = (size.Index(x, y, z), d);
                    }
                }

        if (best < 0) return null;
        var label = values[best];
        var components = ConnectedComponents.Label(SegmentationPostprocessing.Mask(values, label), size, Connectivity.TwentySix);
        var component = components.Labels[best];
        return (label, components.Labels.Select(c => c == component).ToArray());
    }
}
