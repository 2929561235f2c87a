using System.Globalization;
using RenalGrpc.Client;
using RenalGrpc.Imaging;

namespace RenalGrpc.Cli;

/// <summary>
/// `renal edit --study ID --labels edited.nii.gz`: sends the difference between an edited label
/// map and a stored revision (the changed box, run-length encoded; the whole map when that box is
/// most of the grid) and prints the new revision and the re-computed diagnosis.
/// </summary>
internal sealed class EditCommand : ICliCommand
{
    // NIfTI keeps geometry as float32: a grid written and read back moves by about 1e-5 mm.
    private const double GridToleranceMm = 0.01;
    private const double DirectionTolerance = 1e-4;

    public string Name => "edit";
    public string Summary => "send an edited label map to a server and print the new diagnosis";
    public string Usage => """
        usage: renal edit --study ID (--labels edited.nii.gz|.nrrd|.seg.nrrd | --remove-at X,Y,Z | --add-at X,Y,Z)
                          [--base-revision N] [--whole-map] [--out-report report.json]
                          [--server URL] [--token T | --token-file PATH] [--tls-ca PATH] [--tls-client-cert PATH --tls-client-key PATH]
          --study ID          a stored, analysed study
          --labels PATH       the edited label map in the study's reference grid (0 background, 1 kidney, 2 tumor, 3 cyst)
          --remove-at X,Y,Z   remove the lesion under this LPS point (mm)
          --add-at X,Y,Z      add the lesion the model missed at this LPS point (stage 1 around it, on the server)
          --base-revision N   the revision the edit was made on (default: the latest)
          --whole-map         send the whole map even when the changed box is small
          --out-report PATH   the new diagnosis as protobuf JSON
        """ + "\n" + ServerConnection.Usage;
    public IReadOnlySet<string> Switches { get; } = new HashSet<string> { "--whole-map" };

    public Task<int> RunAsync(CliArguments args, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken)
    {
        var studyId = args.Required("--study");
        var labelsPath = args.Value("--labels");
        var removeAt = args.Value("--remove-at");
        var addAt = args.Value("--add-at");
        var baseRevision = (uint)args.IntValue("--base-revision", 0, min: 1);
        var wholeMap = args.Flag("--whole-map");
        var outReport = args.Value("--out-report");
        var options = ServerConnection.Parse(args);
        args.EnsureAllConsumed(maxPositionals: 0);
        if (new[] { labelsPath, removeAt, addAt }.Count(v => v is not null) != 1)
            throw new CliUsageException("give exactly one of --labels, --remove-at and --add-at");
        if (labelsPath is null)
        {
            var hint = new LesionHintEdit(ParsePoint(addAt ?? removeAt!, addAt is not null ? "--add-at" : "--remove-at"), Add: addAt is not null);
            return ServerConnection.RunAsync(Name, options, stderr, async client =>
            {
                var revision = baseRevision != 0 ? baseRevision : (await client.GetStudyAsync(studyId, cancellationToken)).SegmentationRevision;
                var result = await client.SubmitEditAsync(studyId, revision, hint, cancellationToken);
                Report(studyId, revision, result, hint.Add ? "lesion hint ADD" : "lesion hint REMOVE", 0, outReport, stdout);
                return ExitCodes.Success;
            });
        }

        var edited = AsLabels(VolumeFiles.Read(labelsPath), labelsPath);
        return ServerConnection.RunAsync(Name, options, stderr, async client =>
        {
            var stored = await client.GetSegmentationAsync(studyId, baseRevision, cancellationToken: cancellationToken);
            if (!edited.Geometry.IsSameGrid(stored.Labels.Geometry, GridToleranceMm, DirectionTolerance))
            {
                stderr.WriteLine($"renal {Name}: {labelsPath} is not on the study's reference grid ({stored.GridPhase})");
                stderr.WriteLine($"  labels: {edited.Geometry}");
                stderr.WriteLine($"  study:  {stored.Labels.Geometry}");
                return ExitCodes.BadInput;
            }

            // Sent on the stored grid so the server sees exactly its own geometry.
            edited = edited.WithGeometry(stored.Labels.Geometry);
            LabelEdit? edit = wholeMap ? new WholeMapEdit(edited) : LabelEdits.Between(stored.Labels, edited);
            if (edit is null)
            {
                stdout.WriteLine($"{labelsPath} equals revision {stored.Revision}: nothing to send");
                return ExitCodes.Success;
            }

            var result = await client.SubmitEditAsync(studyId, stored.Revision, edit, cancellationToken);
            var kind = edit is WholeMapEdit ? "whole label map" : $"region, {((RegionEdit)edit).RunLengths.Length} runs";
            Report(studyId, stored.Revision, result, kind, edited.VoxelCount, outReport, stdout);
            return ExitCodes.Success;
        });
    }

    private static void Report(string studyId, uint baseRevision, EditResult result, string kind, long wholeMapBytes, string? outReport, TextWriter stdout)
    {
        var inv = CultureInfo.InvariantCulture;
        stdout.WriteLine($"study {studyId}: revision {baseRevision} -> {result.Revision}");
        stdout.WriteLine(wholeMapBytes > 0
            ? $"sent {kind}: {result.BytesSent.ToString("N0", inv)} bytes (the whole map is {wholeMapBytes.ToString("N0", inv)})"
            : $"sent {kind}: {result.BytesSent.ToString("N0", inv)} bytes");
        stdout.WriteLine($"changed region: {result.ChangedRegion?.ToString() ?? "nothing"}");
        DiagnosisTable.Print(result.Diagnosis, stdout);
        if (outReport is not null)
        {
            DiagnosisTable.WriteReport(result.Diagnosis, outReport);
            stdout.WriteLine($"report written to {outReport}");
        }
    }

    private static Vec3 ParsePoint(string text, string option)
    {
        var parts = text.Split(',');
        var values = new double[3];
        if (parts.Length != 3 || !parts.Select((p, n) => double.TryParse(p, NumberStyles.Float, CultureInfo.InvariantCulture, out values[n])).All(ok => ok)
            || !values.All(double.IsFinite))
            throw new CliUsageException($"{option} must be X,Y,Z in LPS millimetres, got '{text}'");
        return new Vec3(values[0], values[1], values[2]);
    }

    /// <summary>Any integer label map with values 0..3 as uint8 (NIfTI label maps are often int16 or float).</summary>
    private static Volume AsLabels(Volume volume, string path)
    {
        if (volume.VoxelType == VoxelType.UInt8) return volume;
        var labels = new byte[volume.VoxelCount];
        for (long n = 0; n < labels.LongLength; n++)
        {
            var v = volume.GetFloat(n);
            if (v is < 0 or > 3 || v != MathF.Round(v))
                throw new CliUsageException($"--labels {path}: voxel {n} holds {v}; labels are 0 background, 1 kidney, 2 tumor, 3 cyst");
            labels[n] = (byte)v;
        }

        return new Volume(volume.Geometry, VoxelType.UInt8, labels);
    }
}

/// <summary>`renal segmentation --study ID [--revision N] --out FILE`: saves a stored revision of a study's labels.</summary>
internal sealed class SegmentationCommand : ICliCommand
{
    public string Name => "segmentation";
    public string Summary => "save a stored revision of a study's label map";
    public string Usage => """
        usage: renal segmentation --study ID --out labels.nii.gz|.nrrd|.seg.nrrd [--revision N] [--server URL] [--token T | --token-file PATH] [--tls-ca PATH] [--tls-client-cert PATH --tls-client-key PATH]
          --revision N   the revision (default: the latest); the first of an analysis is what Analyze answered
        """ + "\n" + ServerConnection.Usage;
    public IReadOnlySet<string> Switches { get; } = new HashSet<string>();

    public Task<int> RunAsync(CliArguments args, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken)
    {
        var studyId = args.Required("--study");
        var outPath = OutputFile.Checked(args.Required("--out"), "--out")!;
        var revision = (uint)args.IntValue("--revision", 0, min: 1);
        var options = ServerConnection.Parse(args);
        args.EnsureAllConsumed(maxPositionals: 0);
        if (VolumeFiles.FormatOf(outPath) == VolumeFormat.Dicom)
            throw new CliUsageException($"--out {outPath}: write .nii, .nii.gz, .nrrd or .seg.nrrd");
        return ServerConnection.RunAsync(Name, options, stderr, async client =>
        {
            var stored = await client.GetSegmentationAsync(studyId, revision, cancellationToken: cancellationToken);
            VolumeFiles.Write(stored.Labels, outPath);
            stdout.WriteLine($"study {studyId}: revision {stored.Revision} ({stored.GridPhase} grid, {stored.Labels.Size}) written to {outPath}");
            return ExitCodes.Success;
        });
    }
}
