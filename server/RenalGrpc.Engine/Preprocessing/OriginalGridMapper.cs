using RenalGrpc.Imaging;
using RenalGrpc.Imaging.Resampling;
using static TorchSharp.torch;

namespace RenalGrpc.Engine.Preprocessing;

/// <summary>
/// Undoes <see cref="PhasePreprocessor"/> for predictions: takes probabilities or labels on the
/// model grid back to the original grid of the phase, in physical space.
/// </summary>
public static class OriginalGridMapper
{
    /// <summary>
    /// Resamples every class probability (Classes x Z x Y x X on the model grid) trilinearly to the
    /// original grid and takes the argmax there, as nnU-Net does (smoother than resampling labels).
    /// One class at a time, so memory stays at two float arrays of the resampled region.
    /// </summary>
    /// <remarks>
    /// Only the part of the original grid that can receive a foreground label is resampled: a
    /// trilinear value is a convex combination of at most 8 model-grid voxels, so where background
    /// is the largest probability in all of them it stays the largest (ties go to background, the
    /// first class, as in the loop below). Kidneys fill a few per cent of an abdominal scan, and
    /// resampling the whole 512x512x200 grid four times cost about 4 s per phase.
    /// </remarks>
    public static Volume ProbabilitiesToLabels(Tensor probabilities, PreprocessingRecord record)
    {
        ArgumentNullException.ThrowIfNull(probabilities);
        ArgumentNullException.ThrowIfNull(record);
        var expected = record.ModelShape;
        if (probabilities.dim() != 4 || !probabilities.shape.Skip(1).SequenceEqual(expected))
            throw new ArgumentException($"probabilities [{string.Join(", ", probabilities.shape)}] do not match the model grid [C, {string.Join(", ", expected)}]");
        int classes = (int)probabilities.shape[0];
        if (classes > byte.MaxValue + 1) throw new ArgumentException($"{classes} classes do not fit a uint8 label map");

        var original = record.Original;
        var labels = new byte[original.VoxelCount];
        using var cpu = probabilities.to(ScalarType.Float32).cpu().contiguous();
        var region = ForegroundRegion(cpu, record);
        if (region is null) return new Volume(original, VoxelType.UInt8, labels);
        var (lo, size) = region.Value;
        var target = original with { Size = size, Origin = original.IndexToPhysical(lo.I, lo.J, lo.K) };
        var best = new float[size.VoxelCount];
        Array.Fill(best, float.NegativeInfinity);
        var regionLabels = new byte[size.VoxelCount];
        for (int c = 0; c < classes; c++)
        {
            using var channel = cpu[c].contiguous();
            var onModelGrid = Volume.FromVoxels<float>(record.ModelGrid, channel.data<float>().ToArray());
            var values = VolumeResampler.Resample(onModelGrid, target, Interpolation.Linear, 0, SourceBounds.EdgeVoxelFaces).Voxels<float>();
            for (int n = 0; n < values.Length; n++)
            {
                if (values[n] > best[n]) { best[n] = values[n]; regionLabels[n] = (byte)c; }
            }
        }
        for (int k = 0; k < size.K; k++)
        {
            for (int j = 0; j < size.J; j++)
            {
                Array.Copy(regionLabels, size.Index(0, j, k), labels, original.Size.Index(lo.I, lo.J + j, lo.K + k), size.I);
            }
        }
        return new Volume(original, VoxelType.UInt8, labels);
    }

    /// <summary>
    /// First voxel (i, j, k) and size of the original-grid box outside which every voxel is
    /// background, or null when no model-grid voxel has a class above background.
    /// </summary>
    private static ((int I, int J, int K) Lo, GridSize Size)? ForegroundRegion(Tensor probabilities, PreprocessingRecord record)
    {
        // Model voxels where some class beats background (strictly: ties stay background).
        using var foreground = probabilities[TensorIndex.Slice(1)].amax(0).gt(probabilities[0]);
        using var zyx = foreground.nonzero();
        if (zyx.shape[0] == 0) return null;
        using var min = zyx.amin(0);
        using var max = zyx.amax(0);
        long[] lo = min.data<long>().ToArray(), hi = max.data<long>().ToArray();
        // An original voxel whose model position x has a foreground voxel among floor(x), floor(x)+1
        // lies in (lo - 1, hi + 1) on every axis: map that box's corners to the original grid.
        var model = record.ModelGrid;
        var originalGrid = record.Original;
        double[] from = { lo[2] - 1, lo[1] - 1, lo[0] - 1 }, to = { hi[2] + 1, hi[1] + 1, hi[0] + 1 };
        var low = new[] { double.PositiveInfinity, double.PositiveInfinity, double.PositiveInfinity };
        var high = new[] { double.NegativeInfinity, double.NegativeInfinity, double.NegativeInfinity };
        for (int corner = 0; corner < 8; corner++)
        {
            var point = model.IndexToPhysical((corner & 1) == 0 ? from[0] : to[0], (corner & 2) == 0 ? from[1] : to[1], (corner & 4) == 0 ? from[2] : to[2]);
            var index = originalGrid.PhysicalToIndex(point);
            double[] v = { index.X, index.Y, index.Z };
            for (int a = 0; a < 3; a++)
            {
                low[a] = Math.Min(low[a], v[a]);
                high[a] = Math.Max(high[a], v[a]);
            }
        }
        var first = new int[3];
        var count = new int[3];
        for (int a = 0; a < 3; a++)
        {
            int start = (int)Math.Max(0, Math.Floor(low[a]));
            int end = (int)Math.Min(originalGrid.Size[a] - 1, Math.Ceiling(high[a]));
            if (end < start) return null;
            first[a] = start;
            count[a] = end - start + 1;
        }
        return ((first[0], first[1], first[2]), new GridSize(count[0], count[1], count[2]));
    }

    /// <summary>A label map on the model grid (Z x Y x X integer tensor) back on the original grid, nearest neighbour.</summary>
    public static Volume LabelsToOriginal(Tensor labels, PreprocessingRecord record)
    {
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentNullException.ThrowIfNull(record);
        if (!labels.shape.SequenceEqual(record.ModelShape))
            throw new ArgumentException($"labels [{string.Join(", ", labels.shape)}] do not match the model grid [{string.Join(", ", record.ModelShape)}]");
        using var bytes = labels.to(ScalarType.Byte).cpu().contiguous();
        var onModelGrid = new Volume(record.ModelGrid, VoxelType.UInt8, bytes.data<byte>().ToArray());
        return record.ModelGrid.IsSameGrid(record.Original) ? onModelGrid : LabelResampler.Resample(onModelGrid, record.Original);
    }
}
