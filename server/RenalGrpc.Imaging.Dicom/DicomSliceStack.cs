using System.Globalization;

namespace RenalGrpc.Imaging.Dicom;

/// <summary>The frames of one series in slice order, and the grid they fill.</summary>
internal sealed record SliceStack(Geometry Geometry, IReadOnlyList<DicomFrame> Slices);

/// <summary>
/// Orders the frames of one series along the slice normal and derives its LPS geometry, after
/// checking that the frames really form one regular grid: same size, orientation and pixel
/// spacing, one frame per position, uniform steps along the normal and none across it.
/// </summary>
internal static class DicomSliceStack
{
    private const double OrientationTolerance = 1e-4;
    private const double AbsolutePositionTolerance = 0.01; // mm
    private const double RelativePositionTolerance = 0.01; // of the slice step

    public static SliceStack Arrange(string source, IReadOnlyList<DicomFileHeader> files)
    {
        var first = files[0];
        foreach (var file in files) CheckPlane(source, first, file);
        var frames = files.SelectMany(f => f.Frames).ToList();
        var spacing = CommonPixelSpacing(source, frames) ?? (1.0, 1.0);

        if (frames.Any(f => f.Position is null || f.Orientation is null))
        {
            if (files.Count > 1)
            {
                var lacking = frames.First(f => f.Position is null || f.Orientation is null).File.Path;
                throw new ImageFormatException(source,
                    $"{lacking} has no ImagePositionPatient/ImageOrientationPatient, so the {files.Count} files of series {first.SeriesInstanceUid} cannot be ordered");
            }
            // One file without patient geometry (secondary capture, some NM): frames in file order.
            var orientation = frames[0].Orientation ?? new PlaneOrientation(new Vec3(1, 0, 0), new Vec3(0, 1, 0));
            var geometry = new Geometry(new GridSize(first.Columns, first.Rows, frames.Count),
                new Vec3(spacing.Column, spacing.Row, first.NominalSliceSpacing ?? 1.0),
                frames[0].Position ?? Vec3.Zero, DirectionOf(orientation));
            return new SliceStack(geometry, frames);
        }

        var plane = CommonOrientation(source, frames);
        var normal = plane.Normal.Normalized();
        var ordered = frames.OrderBy(f => f.Position!.Value.Dot(normal)).ToList();
        double step = SliceStep(source, ordered, normal, first.NominalSliceSpacing);
        var grid = new Geometry(new GridSize(first.Columns, first.Rows, ordered.Count),
            new Vec3(spacing.Column, spacing.Row, step), ordered[0].Position!.Value, DirectionOf(plane));
        return new SliceStack(grid, ordered);
    }

    private static Matrix3 DirectionOf(PlaneOrientation plane) =>
        Matrix3.FromColumns(plane.Row, plane.Column, plane.Normal.Normalized());

    private static void CheckPlane(string source, DicomFileHeader first, DicomFileHeader file)
    {
        if (file.SamplesPerPixel != 1)
            throw new ImageFormatException(file.Path, $"has {file.SamplesPerPixel} samples per pixel (colour); only greyscale images can form a volume");
        if (file.Rows != first.Rows || file.Columns != first.Columns)
        {
            throw new ImageFormatException(source,
                $"mixed image sizes in series {first.SeriesInstanceUid}: {Name(file)} is {file.Columns}x{file.Rows}, {Name(first)} is {first.Columns}x{first.Rows}");
        }
    }

    private static (double Column, double Row)? CommonPixelSpacing(string source, List<DicomFrame> frames)
    {
        var reference = frames.FirstOrDefault(f => f.PixelSpacing is not null);
        if (reference?.PixelSpacing is not { } expected) return null;
        foreach (var frame in frames)
        {
            if (frame.PixelSpacing is not { } s
                || Math.Abs(s.Column - expected.Column) > 1e-4 * expected.Column
                || Math.Abs(s.Row - expected.Row) > 1e-4 * expected.Row)
            {
                throw new ImageFormatException(source,
                    $"mixed pixel spacing within the series: {Describe(frame)} has {Format(frame.PixelSpacing)}, {Describe(reference)} has {Format(expected)}");
            }
        }
        return expected;
    }

    private static PlaneOrientation CommonOrientation(string source, List<DicomFrame> frames)
    {
        var expected = frames[0].Orientation!.Value;
        foreach (var frame in frames)
        {
            if (!frame.Orientation!.Value.ApproximatelyEquals(expected, OrientationTolerance))
            {
                throw new ImageFormatException(source,
                    $"mixed orientation within the series: {Describe(frame)} has {frame.Orientation}, {Describe(frames[0])} has {expected}");
            }
        }
        return expected;
    }

    /// <summary>
    /// The uniform distance between neighbouring slices along the normal. Throws on duplicates,
    /// gaps, uneven steps and in-plane offsets (gantry tilt), which a regular grid cannot hold.
    /// </summary>
    private static double SliceStep(string source, List<DicomFrame> ordered, Vec3 normal, double? nominal)
    {
        if (ordered.Count == 1) return nominal ?? 1.0;
        var along = ordered.Select(f => f.Position!.Value.Dot(normal)).ToArray();
        var steps = new double[along.Length - 1];
        for (int n = 0; n < steps.Length; n++) steps[n] = along[n + 1] - along[n];

        for (int n = 0; n < steps.Length; n++)
        {
            if (steps[n] <= AbsolutePositionTolerance)
            {
                throw new ImageFormatException(source,
                    $"duplicate slices: {Describe(ordered[n])} and {Describe(ordered[n + 1])} both lie at {Mm(along[n])} mm along the slice normal");
            }
        }

        double typical = Median(steps);
        double tolerance = Math.Max(AbsolutePositionTolerance, RelativePositionTolerance * typical);
        for (int n = 0; n < steps.Length; n++)
        {
            if (Math.Abs(steps[n] - typical) <= tolerance) continue;
            if (steps[n] > 1.5 * typical)
            {
                int missing = (int)Math.Round(steps[n] / typical) - 1;
                throw new ImageFormatException(source,
                    $"missing slice between positions {Mm(along[n])} and {Mm(along[n + 1])} mm along the slice normal " +
                    $"({Describe(ordered[n])}, {Describe(ordered[n + 1])}): a step of {Mm(steps[n])} mm where the series steps {Mm(typical)} mm " +
                    $"(about {Math.Max(missing, 1)} slice(s) absent)");
            }
            throw new ImageFormatException(source,
                $"non-uniform slice spacing: {Mm(steps[n])} mm between positions {Mm(along[n])} and {Mm(along[n + 1])} mm, the series steps {Mm(typical)} mm");
        }

        var origin = ordered[0].Position!.Value;
        foreach (var frame in ordered)
        {
            var offset = frame.Position!.Value - origin;
            var across = offset - normal * offset.Dot(normal);
            if (across.Length > tolerance)
            {
                throw new ImageFormatException(source,
                    $"slices are shifted within their planes ({Mm(across.Length)} mm at {Describe(frame)}): a gantry-tilted or sheared stack cannot be represented as a regular grid");
            }
        }
        return (along[^1] - along[0]) / (along.Length - 1);
    }

    private static double Median(double[] values)
    {
        var sorted = (double[])values.Clone();
        Array.Sort(sorted);
        int mid = sorted.Length / 2;
        return sorted.Length % 2 == 1 ? sorted[mid] : 0.5 * (sorted[mid - 1] + sorted[mid]);
    }

    private static string Describe(DicomFrame frame) =>
        frame.File.NumberOfFrames > 1 ? $"{Name(frame.File)} frame {frame.FrameIndex + 1}" : Name(frame.File);

    private static string Name(DicomFileHeader file) => Path.GetFileName(file.Path);

    private static string Mm(double value) => value.ToString("0.###", CultureInfo.InvariantCulture);

    private static string Format((double Column, double Row)? spacing) =>
        spacing is { } s ? FormattableString.Invariant($"{s.Row}\\{s.Column}") : "none";
}
