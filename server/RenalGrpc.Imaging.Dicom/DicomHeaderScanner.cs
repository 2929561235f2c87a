using gdcm;

namespace RenalGrpc.Imaging.Dicom;

/// <summary>
/// Reads the attributes of one file up to (not including) its pixel data, so that a folder of
/// hundreds of slices can be grouped and ordered before any pixel is decoded. Frame positions
/// come from, in this order: the per-frame functional groups of enhanced multi-frame files
/// (PlanePositionSequence), the shared functional groups, RT dose's GridFrameOffsetVector, or
/// ImagePositionPatient stepped along the slice normal for other multi-frame files.
/// </summary>
internal static class DicomHeaderScanner
{
    /// <summary>The header, or null when the file is not DICOM or holds no image.</summary>
    public static DicomFileHeader? TryScan(string path)
    {
        try
        {
            if (DicomFileSniffer.Sniff(path) != SniffedKind.Candidate) return null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ImageFormatException(path, $"cannot be read: {e.Message}", e);
        }
        using var reader = new Reader();
        reader.SetFileName(path);
        var skip = new TagSetType();
        skip.Add(DicomTags.PixelData);
        if (!reader.ReadUpToTag(DicomTags.PixelData, skip)) return null;
        var file = reader.GetFile();
        var tags = new DicomTagReader(file, path);
        if (tags.GetString(DicomTags.SopClassUid) == DicomTags.MediaStorageDirectoryStorage) return null;
        var rows = tags.GetInt(DicomTags.Rows);
        var columns = tags.GetInt(DicomTags.Columns);
        if (rows is null || columns is null) return null;
        if (rows <= 0 || columns <= 0) throw new ImageFormatException(path, $"image size {columns}x{rows} is empty");

        var frameCount = tags.GetInt(DicomTags.NumberOfFrames);
        if (frameCount is null && tags.GetString(DicomTags.FrameIncrementPointer) is not null)
        {
            // Debian's GDCM is built with assertions: decoding such a file aborts the whole process.
            throw new ImageFormatException(path,
                "has a FrameIncrementPointer (0028,0009) but no NumberOfFrames (0028,0008); refused because GDCM cannot decode it safely");
        }
        if (frameCount is <= 0) throw new ImageFormatException(path, $"NumberOfFrames is {frameCount}");

        var transferSyntax = file.GetHeader().GetDataSetTransferSyntax().GetString()?.Trim('\0', ' ');
        var header = new DicomFileHeader
        {
            Path = path,
            SeriesInstanceUid = tags.GetString(DicomTags.SeriesInstanceUid) ?? "",
            StudyInstanceUid = tags.GetString(DicomTags.StudyInstanceUid) ?? "",
            PatientId = tags.GetString(DicomTags.PatientId) ?? "",
            Modality = tags.GetString(DicomTags.Modality) ?? "",
            Description = tags.GetString(DicomTags.SeriesDescription) ?? "",
            SeriesNumber = TryInt(tags, DicomTags.SeriesNumber),
            IsLocalizer = (tags.GetString(DicomTags.ImageType) ?? "").Split('\\')
                .Any(v => v.Trim().Equals("LOCALIZER", StringComparison.OrdinalIgnoreCase)),
            Rows = rows.Value,
            Columns = columns.Value,
            SamplesPerPixel = tags.GetInt(DicomTags.SamplesPerPixel) ?? 1,
            NumberOfFrames = frameCount ?? 1,
            NominalSliceSpacing = PositiveOrNull(tags.GetDouble(tags.Root, DicomTags.SpacingBetweenSlices))
                                  ?? PositiveOrNull(tags.GetDouble(tags.Root, DicomTags.SliceThickness)),
            BigEndian = transferSyntax == DicomTags.ExplicitVrBigEndian,
        };
        header.Frames = ReadFrames(header, tags);
        return header;
    }

    private static List<DicomFrame> ReadFrames(DicomFileHeader header, DicomTagReader tags)
    {
        var root = tags.Root;
        var shared = tags.Item(root, DicomTags.SharedFunctionalGroupsSequence, 0);
        bool hasPerFrameGroups = tags.ItemCount(root, DicomTags.PerFrameFunctionalGroupsSequence) == header.NumberOfFrames;
        var gridOffsets = tags.GetDoubles(root, DicomTags.GridFrameOffsetVector);
        if (gridOffsets is not null && gridOffsets.Length != header.NumberOfFrames) gridOffsets = null;

        var frames = new List<DicomFrame>(header.NumberOfFrames);
        for (int f = 0; f < header.NumberOfFrames; f++)
        {
            var perFrame = hasPerFrameGroups ? tags.Item(root, DicomTags.PerFrameFunctionalGroupsSequence, f) : null;
            var orientation = ReadOrientation(header.Path, tags,
                FirstWith(tags, DicomTags.ImageOrientationPatient,
                    tags.FunctionalGroup(perFrame, DicomTags.PlaneOrientationSequence),
                    tags.FunctionalGroup(shared, DicomTags.PlaneOrientationSequence), root));
            var measures = FirstWith(tags, DicomTags.PixelSpacing,
                tags.FunctionalGroup(perFrame, DicomTags.PixelMeasuresSequence),
                tags.FunctionalGroup(shared, DicomTags.PixelMeasuresSequence), root);
            var spacing = ReadPixelSpacing(header.Path, tags, measures);
            var rescale = FirstWith(tags, DicomTags.RescaleSlope,
                tags.FunctionalGroup(perFrame, DicomTags.PixelValueTransformationSequence),
                tags.FunctionalGroup(shared, DicomTags.PixelValueTransformationSequence), root)
                ?? FirstWith(tags, DicomTags.RescaleIntercept,
                tags.FunctionalGroup(perFrame, DicomTags.PixelValueTransformationSequence),
                tags.FunctionalGroup(shared, DicomTags.PixelValueTransformationSequence), root);
            double slope = rescale is null ? 1.0 : tags.GetDouble(rescale, DicomTags.RescaleSlope) ?? 1.0;
            double intercept = rescale is null ? 0.0 : tags.GetDouble(rescale, DicomTags.RescaleIntercept) ?? 0.0;
            if (slope == 0) slope = 1.0; // a zero slope would erase the image; DICOM readers treat it as absent

            var framePosition = FirstWith(tags, DicomTags.ImagePositionPatient,
                tags.FunctionalGroup(perFrame, DicomTags.PlanePositionSequence),
                tags.FunctionalGroup(shared, DicomTags.PlanePositionSequence), null);
            Vec3? position = framePosition is not null
                ? ReadPosition(header.Path, tags, framePosition)
                : SteppedPosition(header, tags, orientation, gridOffsets, f);
            frames.Add(new DicomFrame(header, f, position, orientation, spacing, slope, intercept));
        }
        return frames;
    }

    /// <summary>Position of frame f of a multi-frame file that only states the first frame's position.</summary>
    private static Vec3? SteppedPosition(DicomFileHeader header, DicomTagReader tags, PlaneOrientation? orientation, double[]? gridOffsets, int f)
    {
        var first = ReadPosition(header.Path, tags, tags.Root);
        if (first is null || f == 0 && gridOffsets is null) return first;
        if (orientation is null) return null;
        var normal = orientation.Value.Normal.Normalized();
        // RT dose: offsets along the normal relative to ImagePositionPatient (PS3.3 C.8.8.3.2).
        double offset = gridOffsets is not null ? gridOffsets[f] : f * (header.NominalSliceSpacing ?? 1.0);
        return first.Value + normal * offset;
    }

    private static DataSet? FirstWith(DicomTagReader tags, Tag tag, DataSet? a, DataSet? b, DataSet? c)
    {
        if (a is not null && a.FindDataElement(tag)) return a;
        if (b is not null && b.FindDataElement(tag)) return b;
        if (c is not null && c.FindDataElement(tag)) return c;
        return null;
    }

    private static Vec3? ReadPosition(string path, DicomTagReader tags, DataSet? ds)
    {
        if (ds is null) return null;
        var v = tags.GetDoubles(ds, DicomTags.ImagePositionPatient);
        if (v is null) return null;
        if (v.Length != 3) throw new ImageFormatException(path, $"ImagePositionPatient has {v.Length} values, not 3");
        return new Vec3(v[0], v[1], v[2]);
    }

    private static PlaneOrientation? ReadOrientation(string path, DicomTagReader tags, DataSet? ds)
    {
        if (ds is null) return null;
        var v = tags.GetDoubles(ds, DicomTags.ImageOrientationPatient);
        if (v is null) return null;
        if (v.Length != 6) throw new ImageFormatException(path, $"ImageOrientationPatient has {v.Length} values, not 6");
        var row = new Vec3(v[0], v[1], v[2]);
        var column = new Vec3(v[3], v[4], v[5]);
        if (Math.Abs(row.Length - 1) > 1e-2 || Math.Abs(column.Length - 1) > 1e-2 || Math.Abs(row.Dot(column)) > 1e-3)
            throw new ImageFormatException(path, $"ImageOrientationPatient ({string.Join('\\', v)}) is not two perpendicular unit vectors");
        // Rows are stored with few decimals: renormalise so the direction matrix is orthonormal.
        var rowUnit = row.Normalized();
        var columnUnit = (column - rowUnit * rowUnit.Dot(column)).Normalized();
        return new PlaneOrientation(rowUnit, columnUnit);
    }

    private static (double Column, double Row)? ReadPixelSpacing(string path, DicomTagReader tags, DataSet? ds)
    {
        var v = ds is null ? null : tags.GetDoubles(ds, DicomTags.PixelSpacing);
        v ??= tags.GetDoubles(tags.Root, DicomTags.ImagerPixelSpacing);
        if (v is null) return null;
        if (v.Length != 2 || v[0] <= 0 || v[1] <= 0)
            throw new ImageFormatException(path, $"PixelSpacing ({string.Join('\\', v)}) is not two positive numbers");
        // PixelSpacing is (between rows, between columns): the j spacing comes first.
        return (v[1], v[0]);
    }

    private static int? TryInt(DicomTagReader tags, Tag tag)
    {
        try { return tags.GetInt(tag); }
        catch (ImageFormatException) { return null; } // a malformed SeriesNumber only labels a listing
    }

    private static double? PositiveOrNull(double? value) => value is > 0 ? value : null;
}
