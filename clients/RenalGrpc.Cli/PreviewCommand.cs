using System.Text.Json;
using RenalGrpc.Imaging;
using RenalGrpc.Preview;

namespace RenalGrpc.Cli;

/// <summary>`renal preview`: one PNG of a multi-phase study, a slice through the largest lesion per phase.</summary>
internal sealed class PreviewCommand : ICliCommand
{
    private static readonly string[] PhaseOrder = ["N", "A", "P", "D"];

    public string Name => "preview";
    public string Summary => "draw a multi-phase study (one slice per phase, label contours) as a PNG";
    public string Usage => """
        usage: renal preview CASE_FOLDER --out FILE.png [--title TEXT] [--size PIXELS]
               renal preview --phase N=PATH [--phase A=PATH ...] [--labels N=PATH ...] --out FILE.png [--title TEXT] [--size PIXELS]
          CASE_FOLDER     a dataset case: imaging_{N,A,P,D}.nii.gz, optional segmentation_{phase}.nii.gz and case.json
                          (case_id and subtype make the title); a KiTS23 case (imaging.nii.gz) also works
          --phase X=PATH  image of phase X (N unenhanced, A corticomedullary, P nephrographic, D excretory):
                          .nii, .nii.gz, .nrrd, .nhdr, a DICOM file or a DICOM folder
          --labels X=PATH label map (0..3) of phase X on that phase's grid
          --out FILE.png  the picture to write
          --title TEXT    title line (default: case id and subtype from case.json)
          --size PIXELS   display pixels for the largest field of view (default 384)
        The slice shown goes through the largest lesion (label 2 or 3), else the volume centre; window W400 L40.
        """;
    public IReadOnlySet<string> Switches { get; } = new HashSet<string>();

    public Task<int> RunAsync(CliArguments args, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken)
    {
        var phaseArgs = args.Values("--phase");
        var labelArgs = args.Values("--labels");
        var output = args.Required("--out");
        var title = args.Value("--title");
        int size = args.IntValue("--size", 384, min: 16, max: 4096);
        args.EnsureAllConsumed(maxPositionals: 1);
        if (!output.EndsWith(".png", StringComparison.OrdinalIgnoreCase)) throw new CliUsageException($"--out {output}: the picture is written as PNG; name it .png");

        List<PhaseView> phases;
        if (args.Positionals.Count == 1)
        {
            if (phaseArgs.Count > 0 || labelArgs.Count > 0) throw new CliUsageException("give either CASE_FOLDER or --phase/--labels, not both");
            (phases, var caseTitle) = ReadCaseFolder(args.Positionals[0], cancellationToken);
            title ??= caseTitle;
        }
        else
        {
            if (phaseArgs.Count == 0) throw new CliUsageException("give CASE_FOLDER or at least one --phase X=PATH");
            phases = ReadPhaseArguments(phaseArgs, labelArgs, cancellationToken);
        }

        var picture = StudyPreviewRenderer.Render(phases, new PreviewOptions { PanelPixels = size, Title = title });
        File.WriteAllBytes(output, picture.Png);
        var slices = string.Join(", ", picture.Panels.Select(p => $"{p.Phase} k={p.SliceK}"));
        stdout.WriteLine($"wrote {output}: {picture.Width}x{picture.Height} ({slices})");
        return Task.FromResult(ExitCodes.Success);
    }

    private static (List<PhaseView> Phases, string Title) ReadCaseFolder(string folder, CancellationToken cancellationToken)
    {
        if (!Directory.Exists(folder)) throw new ImageFormatException(folder, "no such case folder");
        var phases = new List<PhaseView>();
        foreach (var phase in PhaseOrder)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var image = Path.Combine(folder, $"imaging_{phase}.nii.gz");
            if (!File.Exists(image)) continue;
            var labels = Path.Combine(folder, $"segmentation_{phase}.nii.gz");
            phases.Add(ReadPhase(phase, image, File.Exists(labels) ? labels : null));
        }
        // The plain KiTS23 layout: one contrast phase, label map beside it.
        var kitsImage = Path.Combine(folder, "imaging.nii.gz");
        if (phases.Count == 0 && File.Exists(kitsImage))
        {
            var kitsLabels = Path.Combine(folder, "segmentation.nii.gz");
            phases.Add(ReadPhase("CT", kitsImage, File.Exists(kitsLabels) ? kitsLabels : null));
        }
        if (phases.Count == 0)
            throw new ImageFormatException(folder, "no imaging_N/A/P/D.nii.gz (or imaging.nii.gz) in this case folder");
        return (phases, CaseTitle(folder));
    }

    /// <summary>"case_00012  ccRCC" from case.json; the folder name when there is no case.json.</summary>
    private static string CaseTitle(string folder)
    {
        var path = Path.Combine(folder, "case.json");
        var folderName = Path.GetFileName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(folder)));
        if (!File.Exists(path)) return folderName;
        try
        {
            using var document = JsonDocument.Parse(File.ReadAllText(path));
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object) throw new ImageFormatException(path, "case.json is not a JSON object");
            string caseId = TextOf(root, "case_id") ?? folderName;
            string? subtype = TextOf(root, "subtype");
            return subtype is null ? caseId : $"{caseId}   subtype: {subtype}";
        }
        catch (JsonException ex)
        {
            throw new ImageFormatException(path, $"not valid JSON ({ex.Message})");
        }
    }

    private static string? TextOf(JsonElement root, string name) =>
        root.TryGetProperty(name, out var value) && value.ValueKind is JsonValueKind.String or JsonValueKind.Number
            ? value.ToString()
            : null;

    private static List<PhaseView> ReadPhaseArguments(IReadOnlyList<string> phaseArgs, IReadOnlyList<string> labelArgs, CancellationToken cancellationToken)
    {
        var images = ParsePairs("--phase", phaseArgs);
        var labels = ParsePairs("--labels", labelArgs);
        var orphan = labels.Keys.FirstOrDefault(k => !images.ContainsKey(k));
        if (orphan is not null) throw new CliUsageException($"--labels {orphan}=... has no --phase {orphan}=...");
        var phases = new List<PhaseView>();
        foreach (var phase in PhaseOrder.Where(images.ContainsKey))
        {
            cancellationToken.ThrowIfCancellationRequested();
            phases.Add(ReadPhase(phase, images[phase], labels.GetValueOrDefault(phase)));
        }
        return phases;
    }

    /// <summary>"A=path" pairs keyed by the upper-case phase code; each phase at most once.</summary>
    private static Dictionary<string, string> ParsePairs(string option, IReadOnlyList<string> values)
    {
        var pairs = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var value in values)
        {
            int eq = value.IndexOf('=');
            if (eq <= 0 || eq == value.Length - 1) throw new CliUsageException($"{option} '{value}': expected X=PATH with X one of N, A, P, D");
            var phase = value[..eq].Trim().ToUpperInvariant();
            if (!PhaseOrder.Contains(phase)) throw new CliUsageException($"{option} '{value}': phase must be N, A, P or D");
            if (!pairs.TryAdd(phase, value[(eq + 1)..])) throw new CliUsageException($"{option} {phase} given more than once");
        }
        return pairs;
    }

    private static PhaseView ReadPhase(string phase, string imagePath, string? labelPath)
    {
        // Same rules as analyze: FOLDER#SERIES chooses a series, a folder of several is not read as "the largest".
        var image = StudyPhaseInputs.ReadOne(StudyPhaseInputs.Parse(phase, imagePath));
        Volume? labels = null;
        if (labelPath is not null)
        {
            labels = VolumeFiles.Read(labelPath);
            if (!labels.Geometry.IsSameGrid(image.Geometry))
                throw new ImageFormatException(labelPath, $"label map is not on the grid of phase {phase} ({imagePath}): {labels.Geometry} vs {image.Geometry}");
        }
        return new PhaseView(phase, image, labels);
    }
}
