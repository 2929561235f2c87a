using System.Numerics;
using System.Runtime.InteropServices;

namespace RenalGrpc.Imaging.Components;

/// <summary>
/// Per-component measurements of a labelling on a geometry: size, volume, physical bounding box,
/// centroid, largest diameter, patient side and (optionally) intensity statistics of an image on
/// the same grid. One pass over the labels; shape measurements use only the first and last voxel
/// of each component in each row, because a row's inner voxels are convex combinations of its ends
/// and so can never be extreme along any direction (bounding box) or an end of the diameter.
/// </summary>
public static class LesionMeasurements
{
    /// <summary>Centroids closer than this to the midline are reported as <see cref="PatientSide.Midline"/>.</summary>
    public const double DefaultMidlineToleranceMm = 5.0;

    /// <param name="labeling">Components to measure.</param>
    /// <param name="geometry">Grid of the labelling (size must match).</param>
    /// <param name="intensity">Optional image on the same grid for mean / sd.</param>
    /// <param name="midlineX">
    /// LPS x of the patient's mid-sagittal plane. Null: the x of the centre of the field of view,
    /// since CT scans are centred on the patient while DICOM/NIfTI origins are arbitrary.
    /// </param>
    /// <param name="midlineToleranceMm">Half-width of the band around the midline reported as midline.</param>
    public static IReadOnlyList<ComponentMeasurement> Measure(ComponentLabeling labeling, Geometry geometry,
        Volume? intensity = null, double? midlineX = null, double midlineToleranceMm = DefaultMidlineToleranceMm)
    {
        ArgumentNullException.ThrowIfNull(labeling);
        ArgumentNullException.ThrowIfNull(geometry);
        if (labeling.Size != geometry.Size)
            throw new ImagingException($"labelling of size {labeling.Size} does not match geometry {geometry.Size}");
        if (intensity is not null && !intensity.Geometry.IsSameGrid(geometry))
            throw new ImagingException($"intensity image ({intensity.Geometry}) is not on the labelling's grid ({geometry})");
        if (midlineX is { } m && !double.IsFinite(m))
            throw new ImagingException($"midline x {m} is not a finite number");
        double midline = midlineX ?? FieldOfViewCentreX(geometry);

        var sums = intensity?.VoxelType switch
        {
            null => ComponentSums.Collect<byte>(labeling, []),
            VoxelType.UInt8 => ComponentSums.Collect<byte>(labeling, intensity.Voxels<byte>()),
            VoxelType.Int16 => ComponentSums.Collect<short>(labeling, intensity.Voxels<short>()),
            VoxelType.UInt16 => ComponentSums.Collect<ushort>(labeling, intensity.Voxels<ushort>()),
            VoxelType.Float32 => ComponentSums.Collect<float>(labeling, intensity.Voxels<float>()),
            _ => throw new ImagingException($"cannot measure intensities of type {intensity.VoxelType}"),
        };

        var toPhysical = geometry.IndexToPhysicalMatrix;
        // Half of a voxel's extent along each LPS axis: how far its corners reach beyond its centre.
        var halfVoxel = new Vec3(
            0.5 * (Math.Abs(toPhysical[0, 0]) + Math.Abs(toPhysical[0, 1]) + Math.Abs(toPhysical[0, 2])),
            0.5 * (Math.Abs(toPhysical[1, 0]) + Math.Abs(toPhysical[1, 1]) + Math.Abs(toPhysical[1, 2])),
            0.5 * (Math.Abs(toPhysical[2, 0]) + Math.Abs(toPhysical[2, 1]) + Math.Abs(toPhysical[2, 2])));
        var size = geometry.Size;
        var results = new ComponentMeasurement[labeling.ComponentCount];
        for (int label = 1; label <= labeling.ComponentCount; label++)
        {
            long count = sums.Count[label];
            var rowEnds = CollectionsMarshal.AsSpan(sums.RowEnds[label]);
            var points = new Vec3[rowEnds.Length];
            var min = new Vec3(double.MaxValue, double.MaxValue, double.MaxValue);
            var max = new Vec3(double.MinValue, double.MinValue, double.MinValue);
            for (int n = 0; n < rowEnds.Length; n++)
            {
                int index = rowEnds[n];
                int i = index % size.I, j = index / size.I % size.J, k = index / (size.I * size.J);
                points[n] = geometry.Origin + toPhysical * new Vec3(i, j, k);
                min = Vec3.Min(min, points[n]);
                max = Vec3.Max(max, points[n]);
            }
            var centroid = geometry.IndexToPhysical(sums.SumI[label] / count, sums.SumJ[label] / count, sums.SumK[label] / count);
            double? mean = null, sd = null;
            if (intensity is not null)
            {
                double shiftedMean = sums.SumValue[label] / count;
                mean = sums.Shift[label] + shiftedMean;
                sd = Math.Sqrt(Math.Max(0, sums.SumSquares[label] / count - shiftedMean * shiftedMean));
            }
            results[label - 1] = new ComponentMeasurement(label, count, count * geometry.VoxelVolumeMl,
                min - halfVoxel, max + halfVoxel, centroid, LargestDiameter.Of(points),
                SideOf(centroid.X, midline, midlineToleranceMm), mean, sd);
        }
        return results;
    }

    /// <summary>LPS +X points to the patient's left.</summary>
    public static PatientSide SideOf(double x, double midlineX, double toleranceMm = DefaultMidlineToleranceMm) =>
        Math.Abs(x - midlineX) <= toleranceMm ? PatientSide.Midline
        : x > midlineX ? PatientSide.Left
        : PatientSide.Right;

    /// <summary>LPS x of the centre of the grid's field of view.</summary>
    public static double FieldOfViewCentreX(Geometry geometry) =>
        geometry.IndexToPhysical((geometry.Size.I - 1) / 2.0, (geometry.Size.J - 1) / 2.0, (geometry.Size.K - 1) / 2.0).X;

    /// <summary>Per-label running sums from one raster pass.</summary>
    private sealed class ComponentSums
    {
        public long[] Count = [];
        public double[] SumI = [], SumJ = [], SumK = [];
        public double[] Shift = [], SumValue = [], SumSquares = [];
        public List<int>[] RowEnds = [];

        public static ComponentSums Collect<T>(ComponentLabeling labeling, ReadOnlySpan<T> values) where T : unmanaged, INumberBase<T>
        {
            int components = labeling.ComponentCount;
            var s = new ComponentSums
            {
                Count = new long[components + 1],
                SumI = new double[components + 1], SumJ = new double[components + 1], SumK = new double[components + 1],
                Shift = new double[components + 1], SumValue = new double[components + 1], SumSquares = new double[components + 1],
                RowEnds = new List<int>[components + 1],
            };
            for (int c = 0; c <= components; c++) s.RowEnds[c] = [];
            var lastRow = new int[components + 1];
            var lastI = new int[components + 1];
            Array.Fill(lastRow, -1);
            bool withValues = !values.IsEmpty;
            var size = labeling.Size;
            ReadOnlySpan<int> labels = labeling.Labels;
            int rowCount = size.J * size.K;
            for (int row = 0; row < rowCount; row++)
            {
                var line = labels.Slice(row * size.I, size.I);
                int j = row % size.J, k = row / size.J, rowStart = row * size.I;
                int i = 0;
                while (i < line.Length)
                {
                    int skip = line[i..].IndexOfAnyExcept(0);
                    if (skip < 0) break;
                    i += skip;
                    int label = line[i];
                    int end = i + 1;
                    while (end < line.Length && line[end] == label) end++;
                    int length = end - i;
                    if (lastRow[label] != row)
                    {
                        // First time in this row: close the previous row's last voxel, open this row's first.
                        if (lastRow[label] >= 0 && lastI[label] != s.RowEnds[label][^1]) s.RowEnds[label].Add(lastI[label]);
                        s.RowEnds[label].Add(rowStart + i);
                        lastRow[label] = row;
                    }
                    lastI[label] = rowStart + end - 1;
                    s.Count[label] += length;
                    s.SumI[label] += (double)length * (i + end - 1) / 2;
                    s.SumJ[label] += (double)length * j;
                    s.SumK[label] += (double)length * k;
                    if (withValues)
                    {
                        // Sums of (v - first value) keep the variance accurate for large offsets like CT's -1000.
                        if (s.Count[label] == length) s.Shift[label] = double.CreateTruncating(values[rowStart + i]);
                        double shift = s.Shift[label], sum = 0, squares = 0;
                        for (int n = rowStart + i; n < rowStart + end; n++)
                        {
                            double d = double.CreateTruncating(values[n]) - shift;
                            sum += d;
                            squares += d * d;
                        }
                        s.SumValue[label] += sum;
                        s.SumSquares[label] += squares;
                    }
                    i = end;
                }
            }
            for (int c = 1; c <= components; c++)
                if (lastRow[c] >= 0 && lastI[c] != s.RowEnds[c][^1]) s.RowEnds[c].Add(lastI[c]);
            return s;
        }
    }
}
