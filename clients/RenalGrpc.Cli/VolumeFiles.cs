using RenalGrpc.Imaging;
using RenalGrpc.Imaging.Dicom;
using RenalGrpc.Imaging.Nifti;
using RenalGrpc.Imaging.Nrrd;

namespace RenalGrpc.Cli;

/// <summary>File formats the CLI reads and writes, chosen by path.</summary>
internal enum VolumeFormat
{
    Nifti,
    Nrrd,
    SegNrrd,
    Dicom,
}

/// <summary>
/// The one place the CLI turns a path into a volume and back: NIfTI, NRRD, Slicer .seg.nrrd and
/// DICOM (a folder or a file) by name, so every command accepts the same inputs.
/// </summary>
internal static class VolumeFiles
{
    public static VolumeFormat FormatOf(string path)
    {
        if (Directory.Exists(path)) return VolumeFormat.Dicom;
        var name = Path.GetFileName(path).ToLowerInvariant();
        if (name.EndsWith(".seg.nrrd", StringComparison.Ordinal)) return VolumeFormat.SegNrrd;
        if (name.EndsWith(".nii", StringComparison.Ordinal) || name.EndsWith(".nii.gz", StringComparison.Ordinal)) return VolumeFormat.Nifti;
        if (name.EndsWith(".nrrd", StringComparison.Ordinal) || name.EndsWith(".nhdr", StringComparison.Ordinal)) return VolumeFormat.Nrrd;
        if (name.EndsWith(".dcm", StringComparison.Ordinal) || !name.Contains('.')) return VolumeFormat.Dicom;
        throw new ImageFormatException(path, "unknown file type (expected .nii, .nii.gz, .nrrd, .nhdr, .seg.nrrd, .dcm or a DICOM folder)");
    }

    /// <summary>
    /// Reads any supported input; <paramref name="dicomSeries"/> (SeriesNumber or SeriesInstanceUID) picks one series of a
    /// DICOM folder. A folder holding several volume series is refused without it, the series listed: reading "the largest"
    /// would convert or describe one of them silently (every phase of a study export is the same size).
    /// </summary>
    public static Volume Read(string path, string? dicomSeries = null, bool firstVolumeOf4D = false)
    {
        if (!File.Exists(path) && !Directory.Exists(path)) throw new ImageFormatException(path, "no such file or folder");
        if (dicomSeries is not null && !Directory.Exists(path))
            throw new CliUsageException($"{path}: --series chooses a series in a DICOM folder; this is a file");
        try
        {
            return ReadByFormat(path, dicomSeries, firstVolumeOf4D);
        }
        catch (ImageFormatException ex) when (ex.Problem.Contains("FirstVolumeOf4D", StringComparison.Ordinal))
        {
            throw new ImageFormatException(path, "a 4-D file; pass --first-volume to read its first volume");
        }
        catch (ImageFormatException ex) when (dicomSeries is null && ex.Problem.Contains("could be the volume", StringComparison.Ordinal))
        {
            throw new ImageFormatException(path, ex.Problem.Replace("name one by SeriesInstanceUID or SeriesNumber", "choose one with --series (SeriesNumber or SeriesInstanceUID)", StringComparison.Ordinal));
        }
    }

    private static Volume ReadByFormat(string path, string? dicomSeries, bool firstVolumeOf4D)
    {
        return FormatOf(path) switch
        {
            VolumeFormat.Nifti => NiftiFile.Read(path, new NiftiReadOptions { FirstVolumeOf4D = firstVolumeOf4D }),
            VolumeFormat.Nrrd => NrrdFile.Read(path),
            VolumeFormat.SegNrrd => SegNrrdFile.Read(path).Labels,
            _ when Directory.Exists(path) => DicomSeriesReader.Read(path, new DicomReadOptions
            {
                SeriesInstanceUid = dicomSeries is null ? null : DicomSeriesUid(path, dicomSeries),
                RefuseSeveralVolumeSeries = true,
            }),
            _ => DicomSeriesReader.Read(path, new DicomReadOptions { SeriesInstanceUid = dicomSeries }),
        };
    }

    /// <summary>A SeriesNumber (digits only) or a SeriesInstanceUID (digits and dots) of a series in the folder, as its UID.</summary>
    public static string DicomSeriesUid(string folder, string series)
    {
        if (!series.All(char.IsAsciiDigit)) return series; // a UID; the reader names the series it has if it is not there
        var all = DicomSeriesReader.ListSeries(folder);
        var numbered = all.Where(s => s.SeriesNumber?.ToString(System.Globalization.CultureInfo.InvariantCulture) == series).ToList();
        return numbered switch
        {
            [var one] => one.SeriesInstanceUid,
            [] => throw new ImageFormatException(folder, $"no series with SeriesNumber {series}; found: {Listing(all)}"),
            _ => throw new ImageFormatException(folder, $"{numbered.Count} series have SeriesNumber {series}; name one by SeriesInstanceUID: {Listing(numbered)}"),
        };
    }

    public static string Listing(IReadOnlyList<DicomSeriesSummary> series) => string.Join("; ", series.Select(s => s.ToString()));

    public static void Write(Volume volume, string path)
    {
        switch (FormatOf(path))
        {
            case VolumeFormat.Nifti: NiftiFile.Write(volume, path); break;
            case VolumeFormat.Nrrd: NrrdFile.Write(volume, path); break;
            case VolumeFormat.SegNrrd: SegNrrdFile.Write(LabelSegmentation.FromLabelMap(volume, path), path); break;
            default: throw new CliUsageException($"{path}: DICOM output is not supported; write .nii.gz, .nrrd or .seg.nrrd");
        }
    }
}
