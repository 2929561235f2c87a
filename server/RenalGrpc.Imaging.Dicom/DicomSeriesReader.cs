namespace RenalGrpc.Imaging.Dicom;

/// <summary>
/// Reads a DICOM series into a <see cref="Volume"/> in LPS: direction columns are the row
/// direction (i), the column direction (j) and the slice normal (k); spacing comes from
/// PixelSpacing and the measured slice step; the origin is the first slice's
/// ImagePositionPatient. Voxels are the modality values (RescaleSlope/Intercept applied: HU
/// for CT), int16 when they are integers that fit, float32 otherwise. Bad input raises
/// <see cref="ImageFormatException"/> naming the file or folder and the problem.
/// </summary>
public static class DicomSeriesReader
{
    /// <summary>
    /// Reads a folder (searched recursively; the series in <see cref="DicomReadOptions.SeriesInstanceUid"/>,
    /// else the largest CT series, else the largest series) or a single file, which may be multi-frame.
    /// </summary>
    public static Volume Read(string folderOrFile, DicomReadOptions? options = null) => ReadSeries(folderOrFile, options).Volume;

    /// <summary>As <see cref="Read(string, DicomReadOptions?)"/>, with whose and which exam's series it was.</summary>
    public static DicomVolume ReadSeries(string folderOrFile, DicomReadOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(folderOrFile);
        GdcmRuntime.EnsureLoaded();
        options ??= new DicomReadOptions();
        if (Directory.Exists(folderOrFile))
        {
            var catalog = ScanFolder(folderOrFile, options.MaxDegreeOfParallelism);
            var series = catalog.Select(folderOrFile, options.SeriesInstanceUid, requireSingle: false, options.RefuseSeveralVolumeSeries);
            return new DicomVolume(DicomVolumeAssembler.Assemble(folderOrFile, series, options.MaxDegreeOfParallelism), DicomProvenance.Of(series));
        }
        var (source, files) = ReadFiles([folderOrFile], options);
        return new DicomVolume(DicomVolumeAssembler.Assemble(source, files, options.MaxDegreeOfParallelism), DicomProvenance.Of(files));
    }

    /// <summary>Reads the given files, which must all be DICOM images of one series (or name one with the options).</summary>
    public static Volume Read(IReadOnlyList<string> files, DicomReadOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(files);
        GdcmRuntime.EnsureLoaded();
        options ??= new DicomReadOptions();
        var (source, series) = ReadFiles(files, options);
        return DicomVolumeAssembler.Assemble(source, series, options.MaxDegreeOfParallelism);
    }

    private static (string Source, IReadOnlyList<DicomFileHeader> Series) ReadFiles(IReadOnlyList<string> files, DicomReadOptions options)
    {
        if (files.Count == 0) throw new ImageFormatException("(no files)", "the list of DICOM files is empty");
        foreach (var file in files)
        {
            if (!File.Exists(file)) throw new ImageFormatException(file, Directory.Exists(file) ? "is a folder; pass folders on their own" : "no such file");
        }
        var source = files.Count == 1 ? files[0] : $"{files.Count} files from {files[0]}";
        var catalog = DicomSeriesCatalog.Scan(files, options.MaxDegreeOfParallelism,
            onNotImage: path => throw new ImageFormatException(path, "is not a DICOM image file (not DICOM, or DICOM without Rows/Columns and pixel data)"));
        return (source, catalog.Select(source, options.SeriesInstanceUid, requireSingle: true));
    }

    /// <summary>Every series in a folder (recursively): UID, modality, description, file and slice counts, size.</summary>
    public static IReadOnlyList<DicomSeriesSummary> ListSeries(string folder)
    {
        ArgumentNullException.ThrowIfNull(folder);
        GdcmRuntime.EnsureLoaded();
        if (File.Exists(folder)) return DicomSeriesCatalog.Scan([folder], null).Summaries();
        return ScanFolder(folder, null).Summaries();
    }

    private static DicomSeriesCatalog ScanFolder(string folder, int? maxParallelism)
    {
        if (!Directory.Exists(folder)) throw new ImageFormatException(folder, "no such folder");
        var files = Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal).ToList();
        if (files.Count == 0) throw new ImageFormatException(folder, "the folder holds no files");
        var catalog = DicomSeriesCatalog.Scan(files, maxParallelism);
        if (catalog.Series.Count == 0) throw new ImageFormatException(folder, $"none of the {files.Count} files in the folder is a DICOM image");
        return catalog;
    }
}
