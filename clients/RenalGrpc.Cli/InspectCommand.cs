using System.Globalization;
using System.Text.Json;
using RenalGrpc.Imaging;
using RenalGrpc.Imaging.Dicom;

namespace RenalGrpc.Cli;

/// <summary>`renal inspect PATH [--json] [--series S] [--list-series]`: geometry, type, intensity range.</summary>
internal sealed class InspectCommand : ICliCommand
{
    public string Name => "inspect";
    public string Summary => "show a volume's geometry, voxel type, orientation and intensity range";
    public string Usage => """
        usage: renal inspect PATH [--json] [--series S] [--list-series] [--first-volume]
          PATH            .nii, .nii.gz, .nrrd, .nhdr, .seg.nrrd, a DICOM file or a DICOM folder
          --json          machine-readable output
          --series S      with a DICOM folder: the series to read, by SeriesNumber or SeriesInstanceUID
                          (needed when the folder holds several volume series; scouts do not count)
          --list-series   with a DICOM folder: list its series instead (and the phase --dicom-study reads each as)
          --first-volume  read the first volume of a 4-D NIfTI file
        """;
    public IReadOnlySet<string> Switches { get; } = new HashSet<string> { "--json", "--list-series", "--first-volume" };

    public Task<int> RunAsync(CliArguments args, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken)
    {
        bool json = args.Flag("--json");
        bool listSeries = args.Flag("--list-series");
        bool firstVolume = args.Flag("--first-volume");
        var series = args.Value("--series");
        args.EnsureAllConsumed(maxPositionals: 1);
        var path = args.Positionals.Count == 1 ? args.Positionals[0] : throw new CliUsageException("PATH is required");

        if (listSeries)
        {
            if (!Directory.Exists(path)) throw new CliUsageException($"{path}: --list-series needs a DICOM folder");
            var all = DicomSeriesReader.ListSeries(path);
            if (json) stdout.WriteLine(JsonSerializer.Serialize(all, JsonOptions));
            else foreach (var s in all) stdout.WriteLine(s.IsVolume && DicomPhaseAssignment.PhaseOf(s.Description) is { } phase ? $"{s}  [phase {phase}]" : s.ToString());
            return Task.FromResult(ExitCodes.Success);
        }

        var volume = VolumeFiles.Read(path, series, firstVolume);
        var report = VolumeReport.From(path, VolumeFiles.FormatOf(path), volume);
        stdout.WriteLine(json ? JsonSerializer.Serialize(report, JsonOptions) : report.ToText());
        return Task.FromResult(ExitCodes.Success);
    }

    private static readonly JsonSerializerOptions JsonOptions = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.CamelCase };
}

/// <summary>What `renal inspect` prints, as a record so --json and text show the same facts.</summary>
internal sealed record VolumeReport(
    string Path,
    string Format,
    string VoxelType,
    int[] Size,
    double[] Spacing,
    double[] Origin,
    double[] Direction,
    string Orientation,
    double[] BoundsMin,
    double[] BoundsMax,
    double Min,
    double Max,
    double Mean,
    long Voxels)
{
    public static VolumeReport From(string path, VolumeFormat format, Volume v)
    {
        var g = v.Geometry;
        var (min, max) = v.ValueRange();
        double sum = 0;
        for (long n = 0; n < v.VoxelCount; n++) sum += v.GetFloat(n);
        var (bMin, bMax) = g.PhysicalBounds();
        return new VolumeReport(path, format.ToString(), v.VoxelType.ToString().ToLowerInvariant(),
            [g.Size.I, g.Size.J, g.Size.K], g.Spacing.ToArray(), g.Origin.ToArray(), g.Direction.ToRowMajorArray(),
            g.OrientationCode(), bMin.ToArray(), bMax.ToArray(), min, max, sum / v.VoxelCount, v.VoxelCount);
    }

    public string ToText()
    {
        static string V(double[] a) => string.Join(" x ", a.Select(x => x.ToString("G6", CultureInfo.InvariantCulture)));
        static string P(double[] a) => "(" + string.Join(", ", a.Select(x => x.ToString("F3", CultureInfo.InvariantCulture))) + ")";
        var d = Direction;
        return string.Join(Environment.NewLine,
            $"file         {Path}",
            $"format       {Format}",
            $"voxel type   {VoxelType}",
            $"size         {Size[0]} x {Size[1]} x {Size[2]} ({Voxels:N0} voxels)",
            $"spacing      {V(Spacing)} mm",
            $"origin       {P(Origin)} mm LPS",
            $"orientation  {Orientation}",
            FormattableString.Invariant($"direction    [{d[0]:F4} {d[1]:F4} {d[2]:F4}; {d[3]:F4} {d[4]:F4} {d[5]:F4}; {d[6]:F4} {d[7]:F4} {d[8]:F4}] (columns = i, j, k in LPS)"),
            $"extent       {P(BoundsMin)} .. {P(BoundsMax)} mm LPS",
            FormattableString.Invariant($"intensity    min {Min:G6}, max {Max:G6}, mean {Mean:G6}"));
    }
}
