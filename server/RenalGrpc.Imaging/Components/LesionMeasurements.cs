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

        var results = new ComponentMeasurement[labeling.ComponentCount];
        for (int label = 1; label <= labeling.ComponentCount; label++)
        {
            var shape = sums.Shapes[label];
            double? mean = null, sd = null;
            if (intensity is not null)
            {
                double shiftedMean = sums.SumValue[label] / shape.Count;
                mean = sums.Shift[label] + shiftedMean;
                sd = Math.Sqrt(Math.Max(0, sums.SumSquares[label] / shape.Count - shiftedMean * shiftedMean));
            }
            results[label - 1] = shape.Finish(label, geometry, midline, midlineToleranceMm, mean, sd);
        }
        return results;
    }

    /// <summary>
    /// The same measurements (no intensity) of one component given as runs: equal, to the last bit,
    /// to what <see cref="Measure(ComponentLabeling, Geometry, Volume?, double?, double)"/> reports for
    /// that component, because the sums run over the same runs in the same order.
    /// </summary>
    /// <param name="label">What to put in <see cref="ComponentMeasurement.Label"/>.</param>
    public static ComponentMeasurement Measure(ComponentRuns component, int label, Geometry geometry,
        double? midlineX = null, double midlineToleranceMm = DefaultMidlineToleranceMm)
    {
        ArgumentNullException.ThrowIfNull(component);
        ArgumentNullException.ThrowIfNull(geometry);
        if (component.Size != geometry.Size)
            throw new ImagingException($"component on a {component.Size} grid does not match geometry {geometry.Size}");
        if (midlineX is { } m && !double.IsFinite(m))
            throw new ImagingException($"midline x {m} is not a finite number");
        var size = geometry.Size;
        var shape = new ShapeSums();
        var starts = component.Starts;
        var lengths = component.Lengths;
        for (int n = 0; n < starts.Length; n++)
        {
            int row = starts[n] / size.I, i = starts[n] % size.I;
            shape.AddRun(row, row * size.I, i, i + lengths[n], row % size.J, row / size.J);
        }
        shape.Close();
        return shape.Finish(label, geometry, midlineX ?? FieldOfViewCentreX(geometry), midlineToleranceMm, null, null);
    }

    /// <summary>LPS +X points to the patient's left.</summary>
    public static PatientSide SideOf(double x, double midlineX, double toleranceMm = DefaultMidlineToleranceMm) =>
        Math.Abs(x - midlineX) <= toleranceMm ? PatientSide.Midline
        : x > midlineX ? PatientSide.Left
        : PatientSide.Right;

    /// <summary>LPS x of the centre of the grid's field of view.</summary>
    public static double FieldOfViewCentreX(Geometry geometry) =>
        geometry.IndexToPhysical((geometry.Size.I - 1) / 2.0, (geometry.Size.J - 1) / 2.0, (geometry.Size.K - 1) / 2.0).X;

    /// <summary>
    /// Shape sums of one component, fed its runs in raster order. Both the whole-labelling pass and
    /// the one-component path go through here, so they add the same numbers in the same order.
    /// </summary>
    private sealed class ShapeSums
    {
        public long Count;
        public double SumI, SumJ, SumK;
        public readonly List<int> RowEnds = [];
        private int _lastRow = -1;
        private int _lastI;

        /// <summary>Adds the run [i, end) of row <paramref name="row"/> (which starts at linear index rowStart, is row j of slice k).</summary>
        public void AddRun(int row, int rowStart, int i, int end, int j, int k)
        {
            int length = end - i;
            if (_lastRow != row)
            {
                // First time in this row: close the previous row's last voxel, open this row's first.
                if (_lastRow >= 0 && _lastI != RowEnds[^1]) RowEnds.Add(_lastI);
                RowEnds.Add(rowStart + i);
                _lastRow = row;
            }
            _lastI = rowStart + end - 1;
            Count += length;
            SumI += (double)length * (i + end - 1) / 2;
            SumJ += (double)length * j;
            SumK += (double)length * k;
        }

        /// <summary>Closes the last row (its last voxel is an extreme point too).</summary>
        public void Close()
        {
            if (_lastRow >= 0 && _lastI != RowEnds[^1]) RowEnds.Add(_lastI);
        }

        public ComponentMeasurement Finish(int label, Geometry geometry, double midline, double midlineToleranceMm, double? mean, double? sd)
        {
            var toPhysical = geometry.IndexToPhysicalMatrix;
            // Half of a voxel's extent along each LPS axis: how far its corners reach beyond its centre.
            var halfVoxel = new Vec3(
                0.5 * (Math.Abs(toPhysical[0, 0]) + Math.Abs(toPhysical[0, 1]) + Math.Abs(toPhysical[0, 2])),
                0.5 * (Math.Abs(toPhysical[1, 0]) + Math.Abs(toPhysical[1, 1]) + Math.Abs(toPhysical[1, 2])),
                0.5 * (Math.Abs(toPhysical[2, 0]) + Math.Abs(toPhysical[2, 1]) + Math.Abs(toPhysical[2, 2])));
            var size = geometry.Size;
            var rowEnds = CollectionsMarshal.AsSpan(RowEnds);
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
            var centroid = geometry.IndexToPhysical(SumI / Count, SumJ / Count, SumK / Count);
            return new ComponentMeasurement(label, Count, Count * geometry.VoxelVolumeMl,
                min - halfVoxel, max + halfVoxel, centroid, LargestDiameter.Of(points),
                SideOf(centroid.X, midline, midlineToleranceMm), mean, sd);
        }
    }

    /// <summary>Per-label running sums from one raster pass: shape sums plus intensity sums.</summary>
    private sealed class ComponentSums
    {
        public ShapeSums[] Shapes = [];
        public double[] Shift = [], SumValue = [], SumSquares = [];

        public static ComponentSums Collect<T>(ComponentLabeling labeling, ReadOnlySpan<T> values) where T : unmanaged, INumberBase<T>
        {
            int components = labeling.ComponentCount;
            var s = new ComponentSums
            {
                Shapes = new ShapeSums[components + 1],
                Shift = new double[components + 1], SumValue = new double[components + 1], SumSquares = new double[components + 1],
            };
            for (int c = 0; c <= components; c++) s.Shapes[c] = new ShapeSums();
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
                    var shape = s.Shapes[label];
                    shape.AddRun(row, rowStart, i, end, j, k);
                    if (withValues)
                    {
                        // Sums of (v - first value) keep the variance accurate for large offsets like CT's -1000.
                        if (shape.Count == length) s.Shift[label] = double.CreateTruncating(values[rowStart + i]);
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
            for (int c = 1; c <= components; c++) s.Shapes[c].Close();
            return s;
        }
    }
}
