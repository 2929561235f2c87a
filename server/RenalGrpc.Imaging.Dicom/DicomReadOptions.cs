namespace RenalGrpc.Imaging.Dicom;

/// <summary>How <see cref="DicomSeriesReader"/> picks and reads a series.</summary>
public sealed record DicomReadOptions
{
    /// <summary>
    /// Series to read (SeriesInstanceUID, 0020,000E). Null: the CT series with the most slices,
    /// else the series with the most slices.
    /// </summary>
    public string? SeriesInstanceUid { get; init; }

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
    public override string ToString() =>
        $"{SeriesInstanceUid} {(Modality.Length > 0 ? Modality : "?")} #{SeriesNumber?.ToString() ?? "-"} " +
        $"'{Description}' {Columns}x{Rows}x{SliceCount} ({FileCount} files)";
}
