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
    /// One class at a time, so memory stays at two original-size float arrays.
    /// </summary>
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
        var best = new float[original.VoxelCount];
        Array.Fill(best, float.NegativeInfinity);
        var labels = new byte[original.VoxelCount];
        using var cpu = probabilities.to(ScalarType.Float32).cpu().contiguous();
        for (int c = 0; c < classes; c++)
        {
            using var channel = cpu[c].contiguous();
            var onModelGrid = Volume.FromVoxels<float>(record.ModelGrid, channel.data<float>().ToArray());
            var onOriginal = record.ModelGrid.IsSameGrid(original)
                ? onModelGrid
                : VolumeResampler.Resample(onModelGrid, original, Interpolation.Linear, 0, SourceBounds.EdgeVoxelFaces);
            var values = onOriginal.Voxels<float>();
            for (int n = 0; n < values.Length; n++)
            {
                if (values[n] > best[n]) { best[n] = values[n]; labels[n] = (byte)c; }
            }
        }
        return new Volume(original, VoxelType.UInt8, labels);
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
