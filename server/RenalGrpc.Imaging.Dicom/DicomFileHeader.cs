namespace RenalGrpc.Imaging.Dicom;

/// <summary>Row (i) and column (j) directions of an image plane in LPS, from ImageOrientationPatient.</summary>
internal readonly record struct PlaneOrientation(Vec3 Row, Vec3 Column)
{
    public Vec3 Normal => Row.Cross(Column);

    public bool ApproximatelyEquals(PlaneOrientation other, double tolerance) =>
        (Row - other.Row).Length <= tolerance && (Column - other.Column).Length <= tolerance;

    public override string ToString() => $"row {Row}, column {Column}";
}

/// <summary>
/// One 2-D frame of a file as the header describes it. Position and orientation are null when
/// the file does not say where the frame lies; spacing is (between columns, between rows).
/// </summary>
internal sealed record DicomFrame(
    DicomFileHeader File,
    int FrameIndex,
    Vec3? Position,
    PlaneOrientation? Orientation,
    (double Column, double Row)? PixelSpacing,
    double Slope,
    double Intercept);

/// <summary>What the series reader needs from one DICOM image file, read without its pixel data.</summary>
internal sealed class DicomFileHeader
{
    public required string Path { get; init; }
    public required string SeriesInstanceUid { get; init; }

    /// <summary>StudyInstanceUID (0020,000D): which exam; compared, never shown.</summary>
    public string StudyInstanceUid { get; init; } = "";

    /// <summary>PatientID (0010,0020): compared between phases, never shown or logged.</summary>
    public string PatientId { get; init; } = "";
    public required string Modality { get; init; }
    public required string Description { get; init; }
    public required int? SeriesNumber { get; init; }

    /// <summary>ImageType (0008,0008) names LOCALIZER: a scout, never a volume to analyse.</summary>
    public bool IsLocalizer { get; init; }
    public required int Rows { get; init; }
    public required int Columns { get; init; }
    public required int SamplesPerPixel { get; init; }
    public required int NumberOfFrames { get; init; }

    /// <summary>SpacingBetweenSlices, else SliceThickness: the k spacing of a one-slice series.</summary>
    public required double? NominalSliceSpacing { get; init; }

    /// <summary>Explicit VR big endian: GDCM returns 32-bit samples of such files half-swapped.</summary>
    public required bool BigEndian { get; init; }

    public IReadOnlyList<DicomFrame> Frames { get; set; } = [];
}
