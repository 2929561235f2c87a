using RenalGrpc.Imaging;
using RenalGrpc.Imaging.Dicom;
using RenalGrpc.Serving;

namespace RenalGrpc.Cli;

/// <summary>
/// The phases of one study as `renal analyze` and `renal upload` take them: `--phase P=PATH`
/// (a file, a DICOM folder holding one volume series, or `FOLDER#SERIES` naming a series by
/// SeriesNumber or SeriesInstanceUID) and `--dicom-study FOLDER`, whose series are given phases
/// by their descriptions (<see cref="DicomPhaseAssignment"/>). A folder with several volume
/// series is never read as "the largest": every phase of a study folder is the same size.
/// </summary>
internal static class StudyPhaseInputs
{
    public const string Usage = """
          --phase P=PATH      P is N, A, P or D; PATH a NIfTI or NRRD file, a DICOM file, a DICOM folder
                              holding one volume series, or FOLDER#S with S the SeriesNumber or
                              SeriesInstanceUID of one series in FOLDER
          --dicom-study DIR   a DICOM study folder: each series whose description names a phase
                              (W/O CONTRAST, ARTERIAL, NEPHROGRAPHIC / PORTAL, DELAYED / EXCRETORY ...)
                              is read as that phase; --phase settles or adds phases

        """;

    /// <summary>One phase's source: a path and, for a DICOM folder, the series chosen in it.</summary>
    public sealed record Source(string Phase, string Path, string? Series, string? Why);

    /// <summary>Reads the phases the arguments name; what --dicom-study chose is written to <paramref name="stdout"/>.</summary>
    public static Dictionary<string, Volume> Read(IReadOnlyList<string> phaseValues, string? dicomStudy, TextWriter stdout) =>
        ReadWithSources(phaseValues, dicomStudy, stdout).Volumes;

    /// <summary>As <see cref="Read"/>, with where each phase came from (for <see cref="RenamedArguments"/>).</summary>
    public static (Dictionary<string, Volume> Volumes, IReadOnlyList<Source> Sources) ReadWithSources(IReadOnlyList<string> phaseValues, string? dicomStudy, TextWriter stdout)
    {
        var sources = Resolve(phaseValues, dicomStudy, stdout);
        var volumes = new Dictionary<string, Volume>(StringComparer.Ordinal);
        var provenance = new Dictionary<string, DicomProvenance>(StringComparer.Ordinal);
        foreach (var source in sources)
        {
            var (volume, origin) = ReadWithProvenance(source);
            volumes[source.Phase] = volume;
            if (origin is not null) provenance[source.Phase] = origin;
        }
        RefuseIdenticalPhases(volumes);
        CompareProvenance(provenance, stdout);
        return (volumes, sources);
    }

    /// <summary>
    /// The --phase arguments that give every scan the phase it looks like (the phase check's looks_like: name given ->
    /// phase the scan looks like), so a swap the check names is one copy and paste away from a rerun.
    /// </summary>
    public static string RenamedArguments(IReadOnlyDictionary<string, string> looksLike, IReadOnlyList<Source> sources)
    {
        static string Quoted(string text) => text.Any(char.IsWhiteSpace) || text.Contains('\'') ? $"'{text.Replace("'", "'\\''", StringComparison.Ordinal)}'" : text;
        var renamed = sources.Select(s => (Phase: looksLike.TryGetValue(s.Phase, out var looks) ? looks : s.Phase, s))
            .OrderBy(r => "NAPD".IndexOf(r.Phase[0]))
            .Select(r => $"--phase {Quoted($"{r.Phase}={r.s.Path}{(r.s.Series is null ? "" : "#" + r.s.Series)}")}");
        return string.Join(" ", renamed);
    }

    /// <summary>
    /// DICOM phases of two patients are refused (the PatientIDs are compared, never shown); of one patient's
    /// two exams, said: some sites split one visit's phases into two exams, a prior exam months
    /// earlier is a mistake the user can see from the line.
    /// </summary>
    private static void CompareProvenance(IReadOnlyDictionary<string, DicomProvenance> provenance, TextWriter stdout)
    {
        var phases = provenance.Keys.OrderBy(p => "NAPD".IndexOf(p[0])).ToList();
        for (int b = 1; b < phases.Count; b++)
        {
            for (int a = 0; a < b; a++)
            {
                // Every pair: a phase without a PatientID (anonymised) must not hide two others that differ.
                if (provenance[phases[b]].IsOtherPatientThan(provenance[phases[a]]))
                    throw new ImageFormatException($"phase {phases[b]}", $"is a DICOM series of another patient than phase {phases[a]} (PatientID differs): the phases of one study are one patient's scans");
            }
        }
        for (int b = 1; b < phases.Count; b++)
        {
            if (provenance[phases[b]].IsOtherExamThan(provenance[phases[0]]))
                stdout.WriteLine($"note: phases {phases[0]} and {phases[b]} come from different exams (StudyInstanceUID) of one patient; analysed as one study");
        }
    }

    public static IReadOnlyList<Source> Resolve(IReadOnlyList<string> phaseValues, string? dicomStudy, TextWriter stdout)
    {
        if (phaseValues.Count == 0 && dicomStudy is null)
            throw new CliUsageException("give the phases: --phase P=PATH (one per phase) or --dicom-study DIR");
        var explicitSources = phaseValues.Count == 0 ? [] : UploadCommand.ParsePhases(phaseValues).Select(p => Parse(p.Phase, p.Path)).ToList();
        if (dicomStudy is null) return explicitSources;
        return FromStudy(dicomStudy, explicitSources, stdout);
    }

    /// <summary>"PATH" or "FOLDER#SERIES"; a path that exists as written is never split.</summary>
    public static Source Parse(string phase, string value)
    {
        if (File.Exists(value) || Directory.Exists(value)) return new Source(phase, value, null, null);
        int hash = value.LastIndexOf('#');
        if (hash > 0 && hash < value.Length - 1 && Directory.Exists(value[..hash]))
            return new Source(phase, value[..hash], value[(hash + 1)..].Trim(), null);
        if (hash > 0 && File.Exists(value[..hash]))
            throw new ImageFormatException(value[..hash], "is a file; #SERIES chooses a series in a DICOM folder");
        throw new ImageFormatException(value, "no such file or folder");
    }

    public static Volume ReadOne(Source source) => ReadWithProvenance(source).Volume;

    /// <summary>The phase's volume, and for DICOM whose and which exam's series it is.</summary>
    private static (Volume Volume, DicomProvenance? Provenance) ReadWithProvenance(Source source)
    {
        if (!Directory.Exists(source.Path))
        {
            if (!File.Exists(source.Path)) throw new ImageFormatException(source.Path, "no such file or folder");
            if (VolumeFiles.FormatOf(source.Path) != VolumeFormat.Dicom) return (VolumeFiles.Read(source.Path), null);
            var file = DicomSeriesReader.ReadSeries(source.Path);
            return (file.Volume, file.Provenance);
        }
        var uid = source.Series is null ? null : VolumeFiles.DicomSeriesUid(source.Path, source.Series);
        var series = DicomSeriesReader.ReadSeries(source.Path, new DicomReadOptions { SeriesInstanceUid = uid, RefuseSeveralVolumeSeries = true });
        return (series.Volume, series.Provenance);
    }

    private static IReadOnlyList<Source> FromStudy(string folder, IReadOnlyList<Source> explicitSources, TextWriter stdout)
    {
        if (!Directory.Exists(folder)) throw new ImageFormatException(folder, "--dicom-study: no such folder");
        var series = DicomSeriesReader.ListSeries(folder);
        var assignment = DicomPhaseAssignment.From(series);
        var given = explicitSources.Select(s => s.Phase).ToHashSet(StringComparer.Ordinal);
        if (assignment.Exams > 1 && assignment.Phases.Keys.Concat(assignment.Conflicts.Keys).Any(p => !given.Contains(p)))
        {
            var listing = series.Where(s => s.IsVolume).Select(s => $"exam {s.Exam}: {s}");
            throw new ImageFormatException(folder,
                $"the folder holds series of {assignment.Exams} exams (StudyInstanceUIDs) and the phases of one analysis must come from one exam; " +
                $"give that exam's own folder, or every phase with --phase P={folder}#SERIES: {string.Join("; ", listing)}");
        }
        var conflicts = assignment.Conflicts.Where(c => !given.Contains(c.Key)).ToList();
        if (conflicts.Count > 0)
        {
            var (phase, candidates) = (conflicts[0].Key, conflicts[0].Value);
            throw new ImageFormatException(folder,
                $"{candidates.Count} series read as phase {phase}; choose one with --phase {phase}={folder}#SERIES (SeriesNumber or UID): {Listing(candidates)}");
        }
        var chosen = assignment.Phases.Where(p => !given.Contains(p.Key))
            .Select(p => new Source(p.Key, folder, p.Value.SeriesInstanceUid, $"#{p.Value.SeriesNumber?.ToString() ?? "-"} '{p.Value.Description}' {p.Value.Columns}x{p.Value.Rows}x{p.Value.SliceCount}"))
            .ToList();
        var all = explicitSources.Concat(chosen).OrderBy(s => "NAPD".IndexOf(s.Phase[0])).ToList();
        if (all.Count == 0)
        {
            throw new ImageFormatException(folder,
                $"no series description names a phase; give them with --phase P={folder}#SERIES: {Listing(series.Where(s => s.IsVolume).ToList())}");
        }
        foreach (var source in all)
            stdout.WriteLine($"phase {source.Phase}: {source.Why ?? source.Path + (source.Series is null ? "" : "#" + source.Series)}{(source.Why is null ? " (--phase)" : "")}");
        foreach (var left in assignment.Unassigned)
        {
            var named = DicomPhaseAssignment.PhasesNamedBy(left.Description);
            var why = named.Count > 1 ? $"its description names {string.Join(" and ", named)}" : "its description names no phase";
            stdout.WriteLine($"not read: #{left.SeriesNumber?.ToString() ?? "-"} '{left.Description}' {left.Columns}x{left.Rows}x{left.SliceCount} ({why}; --phase P={folder}#{left.SeriesNumber?.ToString() ?? left.SeriesInstanceUid} reads it)");
        }
        return all;
    }

    /// <summary>Two phases with the same grid and voxels are one scan given twice (the same file or series).</summary>
    private static void RefuseIdenticalPhases(IReadOnlyDictionary<string, Volume> volumes)
    {
        var phases = volumes.Keys.ToList();
        for (int a = 0; a < phases.Count; a++)
        {
            for (int b = a + 1; b < phases.Count; b++)
            {
                if (volumes[phases[a]].HasSameVoxelsAs(volumes[phases[b]]))
                    throw new ImageFormatException($"phase {phases[b]}", $"holds the same voxels as phase {phases[a]}: one scan given for two phases (the same file or series twice?)");
            }
        }
    }

    private static string Listing(IReadOnlyList<DicomSeriesSummary> series) => VolumeFiles.Listing(series);
}
