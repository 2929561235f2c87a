using System.Runtime.ExceptionServices;

namespace RenalGrpc.Imaging.Dicom;

/// <summary>The DICOM image files found among a set of paths, grouped by SeriesInstanceUID.</summary>
internal sealed class DicomSeriesCatalog
{
    private DicomSeriesCatalog(IReadOnlyList<IReadOnlyList<DicomFileHeader>> series) => Series = series;

    /// <summary>Files of each series, each list in path order.</summary>
    public IReadOnlyList<IReadOnlyList<DicomFileHeader>> Series { get; }

    /// <summary>Reads every header in parallel; files that are not DICOM images are left out.</summary>
    public static DicomSeriesCatalog Scan(IReadOnlyList<string> paths, int? maxParallelism, Action<string>? onNotImage = null)
    {
        var headers = new DicomFileHeader?[paths.Count];
        RunParallel(paths.Count, maxParallelism, n => headers[n] = DicomHeaderScanner.TryScan(paths[n]));
        if (onNotImage is not null)
        {
            for (int n = 0; n < paths.Count; n++) if (headers[n] is null) onNotImage(paths[n]);
        }
        var series = headers.OfType<DicomFileHeader>()
            .GroupBy(h => h.SeriesInstanceUid, StringComparer.Ordinal)
            .Select(g => (IReadOnlyList<DicomFileHeader>)g.OrderBy(h => h.Path, StringComparer.Ordinal).ToList())
            .OrderBy(s => s[0].SeriesNumber ?? int.MaxValue).ThenBy(s => s[0].SeriesInstanceUid, StringComparer.Ordinal)
            .ToList();
        return new DicomSeriesCatalog(series);
    }

    public IReadOnlyList<DicomSeriesSummary> Summaries()
    {
        var exams = Series.Select(s => s[0].StudyInstanceUid).Distinct(StringComparer.Ordinal).ToList();
        return Series.Select(s => Summarize(s) with { Exam = exams.IndexOf(s[0].StudyInstanceUid) + 1 }).ToList();
    }

    public static DicomSeriesSummary Summarize(IReadOnlyList<DicomFileHeader> files)
    {
        var first = files[0];
        return new DicomSeriesSummary(first.SeriesInstanceUid, first.Modality, first.Description, first.SeriesNumber,
            files.Count, files.Sum(f => f.NumberOfFrames), first.Rows, first.Columns)
        {
            IsLocalizer = files.All(f => f.IsLocalizer),
        };
    }

    /// <summary>
    /// The series named in the options; otherwise the CT series with the most slices, else the
    /// series with the most slices. With <paramref name="requireSingle"/> (an explicit file
    /// list) several series without a choice are an error rather than a guess; with
    /// <paramref name="refuseSeveralVolumes"/> so are several volume series of the chosen modality.
    /// </summary>
    public IReadOnlyList<DicomFileHeader> Select(string source, string? seriesInstanceUid, bool requireSingle, bool refuseSeveralVolumes = false)
    {
        if (seriesInstanceUid is not null)
        {
            return Series.FirstOrDefault(s => s[0].SeriesInstanceUid == seriesInstanceUid)
                ?? throw new ImageFormatException(source, $"no series with SeriesInstanceUID {seriesInstanceUid}; found: {Listing()}");
        }
        if (requireSingle && Series.Count > 1)
            throw new ImageFormatException(source, $"the files belong to {Series.Count} series; pass one series or choose it by SeriesInstanceUID: {Listing()}");
        static int Slices(IReadOnlyList<DicomFileHeader> s) => s.Sum(f => f.NumberOfFrames);
        var ct = Series.Where(s => string.Equals(s[0].Modality, "CT", StringComparison.OrdinalIgnoreCase)).ToList();
        var candidates = ct.Count > 0 ? ct : Series.ToList();
        if (refuseSeveralVolumes)
        {
            var volumes = candidates.Where(s => Summarize(s).IsVolume).ToList();
            if (volumes.Count > 1)
                throw new ImageFormatException(source,
                    $"the folder holds {volumes.Count} {(ct.Count > 0 ? "CT " : "")}series that could be the volume; name one by SeriesInstanceUID or SeriesNumber: " +
                    string.Join("; ", volumes.Select(s => Summarize(s).ToString())));
            if (volumes.Count == 1) return volumes[0];
        }
        return candidates.OrderByDescending(Slices).First();
    }

    private string Listing() => string.Join("; ", Series.Select(s => Summarize(s).ToString()));

    public static void RunParallel(int count, int? maxParallelism, Action<int> body)
    {
        var options = new ParallelOptions { MaxDegreeOfParallelism = maxParallelism ?? Environment.ProcessorCount };
        try
        {
            Parallel.For(0, count, options, body);
        }
        catch (AggregateException e)
        {
            // Surface our own clear error rather than the aggregate around it.
            var first = e.Flatten().InnerExceptions.FirstOrDefault(x => x is ImagingException) ?? e.Flatten().InnerExceptions[0];
            ExceptionDispatchInfo.Capture(first).Throw();
        }
    }
}
