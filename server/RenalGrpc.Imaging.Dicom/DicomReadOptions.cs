namespace RenalGrpc.Imaging.Dicom;

/// <summary>How <see cref="DicomSeriesReader"/> picks and reads a series.</summary>
public sealed record DicomReadOptions
{
    /// <summary>
    /// Series to read (SeriesInstanceUID, 0020,000E). Null: the CT series with the most slices,
    /// else the series with the most slices.
    /// </summary>
    public string? SeriesInstanceUid { get; init; }

    /// <summary>
    /// When no series is named and a folder holds more than one volume series of the chosen
    /// modality (scouts and single slices do not count), refuse with a listing instead of taking
    /// the largest. A multi-phase study exported into one folder has one series per phase of the
    /// same size: taking "the largest" would read the same phase for every phase asked for.
    /// </summary>
    public bool RefuseSeveralVolumeSeries { get; init; }

    /// <summary>Files read at the same time; null means one per processor.</summary>
    public int? MaxDegreeOfParallelism { get; init; }
}

/// <summary>
/// One series found in a folder. Only technical attributes: nothing that identifies a patient
/// (no names, IDs, dates or institutions), so a listing can be shown or logged freely.
/// </summary>
public sealed record DicomSeriesSummary(
    string SeriesInstanceUid,
    string Modality,
    string Description,
    int? SeriesNumber,
    int FileCount,
    int SliceCount,
    int Rows,
    int Columns)
{
    /// <summary>ImageType says LOCALIZER (a scout).</summary>
    public bool IsLocalizer { get; init; }

    /// <summary>
    /// Which exam of the folder the series belongs to: 1 for the first StudyInstanceUID met in series
    /// order, 2 for the next... (the UID itself is an identifier and is not kept in a listing).
    /// </summary>
    public int Exam { get; init; } = 1;

    /// <summary>A series that can be a CT volume: not a scout, at least two slices.</summary>
    public bool IsVolume => !IsLocalizer && SliceCount >= 2;

    public override string ToString() =>
        $"{SeriesInstanceUid} {(Modality.Length > 0 ? Modality : "?")} #{SeriesNumber?.ToString() ?? "-"} " +
        $"'{Description}' {Columns}x{Rows}x{SliceCount} ({FileCount} files){(IsLocalizer ? " localizer" : "")}";
}
