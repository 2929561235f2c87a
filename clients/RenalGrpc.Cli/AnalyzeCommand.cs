using System.Globalization;
using RenalGrpc.Client;
using RenalGrpc.Engine.Analysis;
using RenalGrpc.Imaging;
using RenalGrpc.Serving;
using Proto = RenalGrpc.V1;

namespace RenalGrpc.Cli;

/// <summary>
/// `renal analyze`: uploads the phases and runs Analyze on a server, or (--local) runs the same
/// engine in-process through the same loader and the same engine-to-contract mapping as the
/// server; then prints the diagnosis and writes the segmentation and the JSON report.
/// </summary>
internal sealed class AnalyzeCommand(IAnalyzerLoader localLoader) : ICliCommand
{
    public AnalyzeCommand() : this(new CheckpointAnalyzerLoader())
    {
    }

    public string Name => "analyze";
    public string Summary => "segment and classify a multi-phase study (on a server or --local)";
    public string Usage => """
        usage: renal analyze (--server URL | --local [--model PATH]) (--phase P=PATH [--phase P=PATH ...] | --dicom-study DIR)
                             [--out-seg seg.nii.gz|.nrrd|.seg.nrrd] [--out-report report.json]
                             [--mirror-tta] [--reference-phase P] [--token TOKEN]
        """ + "\n" + StudyPhaseInputs.Usage + """
          --local             run the engine in this process instead of on a server
          --model PATH        checkpoint folder for --local (default: models/default beside renal)
          --out-seg PATH      the label map in the reference phase's grid
          --out-report PATH   the diagnosis as protobuf JSON (referencePhase, subtypeProbabilities, lesions)
          --mirror-tta        mirror test-time augmentation (several times slower; see MODEL.md)
          --reference-phase P override the reference phase (default P, else A, else D, else N)
        """ + "\n" + ServerConnection.Usage;
    public IReadOnlySet<string> Switches { get; } = new HashSet<string> { "--local", "--mirror-tta" };

    public async Task<int> RunAsync(CliArguments args, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken)
    {
        var phaseValues = args.Values("--phase");
        var dicomStudy = args.Value("--dicom-study");
        bool local = args.Flag("--local");
        var model = args.Value("--model");
        var outSeg = OutputFile.Checked(args.Value("--out-seg"), "--out-seg");
        var outReport = OutputFile.Checked(args.Value("--out-report"), "--out-report");
        var options = new Client.AnalyzeOptions
        {
            MirrorTta = args.Flag("--mirror-tta"),
        };
        var referencePhase = ReferencePhaseCode(args.Value("--reference-phase"));
        if (outSeg is not null && !IsSegmentationPath(outSeg))
            throw new CliUsageException($"--out-seg {outSeg}: write .nii, .nii.gz, .nrrd or .seg.nrrd");
        RenalClientOptions? server = null;
        if (local)
        {
            foreach (var remote in new[] { "--server", "--token", "--token-file", "--tls-ca", "--tls-client-cert", "--tls-client-key" })
                if (args.Value(remote) is not null) throw new CliUsageException($"{remote} cannot be combined with --local");
        }
        else
        {
            if (model is not null) throw new CliUsageException("--model needs --local (a server loads its own model)");
            server = ServerConnection.Parse(args);
        }
        args.EnsureAllConsumed(maxPositionals: 0);

        var (volumes, sources) = StudyPhaseInputs.ReadWithSources(phaseValues, dicomStudy, stdout);
        if (referencePhase is not null && !volumes.ContainsKey(referencePhase))
            throw new CliUsageException($"--reference-phase {referencePhase}: the study has no phase {referencePhase}");
        options = options with { ReferencePhase = referencePhase };

        var outputs = new Outputs(outSeg, outReport, sources);
        if (server is null) return RunLocal(volumes, options, model, outputs, stdout, stderr, cancellationToken);

        return await ServerConnection.RunAsync(Name, server, stderr, async client =>
        {
            using var line = ProgressLine.ForTerminal(stderr);
            var upload = await client.UploadStudyAsync(volumes, ChunkCompression.None, null, cancellationToken);
            var result = await client.AnalyzeAsync(upload.StudyId, options, line, cancellationToken);
            line?.Finish();
            stdout.WriteLine($"study {upload.StudyId}");
            return Finish(result.Diagnosis, result.Labels, outputs, stdout);
        });
    }

    /// <summary>Where the results go, and where the phases came from (for the rerun line of a phase swap).</summary>
    private sealed record Outputs(string? Segmentation, string? Report, IReadOnlyList<StudyPhaseInputs.Source> Sources);

    private int RunLocal(IReadOnlyDictionary<string, Volume> volumes, Client.AnalyzeOptions options, string? model, Outputs outputs,
        TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken)
    {
        LoadedAnalyzer loaded;
        try
        {
            loaded = localLoader.Load(ModelLocation.Resolve(model), cancellationToken);
        }
        catch (ModelLoadException e)
        {
            stderr.WriteLine($"renal {Name}: {e.Message}");
            return ExitCodes.BadInput;
        }

        using (loaded)
        {
            using var line = ProgressLine.ForTerminal(stderr);
            StudyAnalysis analysis;
            try
            {
                // Synchronous on this thread: the engine's dispose scopes are bound to the thread that runs it.
                analysis = loaded.Analyzer.Analyze(volumes,
                    new AnalysisOptions { MirrorTta = options.MirrorTta, ReferencePhase = options.ReferencePhase },
                    line?.ForEngine(), cancellationToken);
            }
            catch (ArgumentException e)
            {
                stderr.WriteLine($"renal {Name}: the study cannot be analysed: {e.Message}");
                return ExitCodes.BadInput;
            }
            line?.Finish();
            var diagnosis = DiagnosisMapping.MapToDiagnosis(analysis.Diagnosis, studyId: "", revision: 1, loaded.Analyzer.ModelVersion, analysis.Timings,
                analysis.Refinement, analysis.PhaseCheck);
            return Finish(diagnosis, analysis.Labels, outputs, stdout);
        }
    }

    private static int Finish(Proto.Diagnosis diagnosis, Volume labels, Outputs outputs, TextWriter stdout)
    {
        var (outSeg, outReport) = (outputs.Segmentation, outputs.Report);
        DiagnosisTable.Print(diagnosis, stdout);
        if (diagnosis.PhaseCheck?.LooksLike.Count > 0)
            stdout.WriteLine($"to analyse the scans as the phase check reads them: {StudyPhaseInputs.RenamedArguments(diagnosis.PhaseCheck.LooksLike, outputs.Sources)}");
        if (outSeg is not null)
        {
            VolumeFiles.Write(labels, outSeg);
            stdout.WriteLine($"segmentation ({diagnosis.ReferencePhase} grid) written to {outSeg}");
        }
        if (outReport is not null)
        {
            DiagnosisTable.WriteReport(diagnosis, outReport);
            stdout.WriteLine($"report written to {outReport}");
        }
        return ExitCodes.Success;
    }

    private static string? ReferencePhaseCode(string? text)
    {
        if (text is null) return null;
        var phase = text.Trim().ToUpperInvariant();
        if (!ProtoMapping.PhaseCodes.Contains(phase)) throw new CliUsageException($"--reference-phase must be N, A, P or D, got '{text}'");
        return phase;
    }

    private static bool IsSegmentationPath(string path)
    {
        var name = Path.GetFileName(path).ToLowerInvariant();
        return name.EndsWith(".nii", StringComparison.Ordinal) || name.EndsWith(".nii.gz", StringComparison.Ordinal) || name.EndsWith(".nrrd", StringComparison.Ordinal);
    }
}

/// <summary>One line on a terminal showing the stage, phase, fraction and queue position; redrawn at most every 100 ms.</summary>
internal sealed class ProgressLine(TextWriter terminal) : IProgress<AnalyzeProgress>, IDisposable
{
    private readonly Lock _gate = new();
    private long _lastDrawTicks;
    private string _lastStage = "";
    private bool _drawn;

    /// <summary>A line only for a person watching a terminal; logs and pipes get none.</summary>
    public static ProgressLine? ForTerminal(TextWriter stderr) =>
        stderr == Console.Error && !Console.IsErrorRedirected ? new ProgressLine(stderr) : null;

    public void Report(AnalyzeProgress value) =>
        Draw(value.Stage.ToString().ToLowerInvariant(), value.Fraction, value.Phase, value.QueuePosition);

    public IProgress<AnalysisProgress> ForEngine() => new EngineAdapter(this);

    private void Draw(string stage, double fraction, string? phase, int queuePosition)
    {
        lock (_gate)
        {
            long now = Environment.TickCount64;
            if (stage == _lastStage && now - _lastDrawTicks < 100) return;
            _lastDrawTicks = now;
            _lastStage = stage;
            var text = queuePosition > 0
                ? $"queued: position {queuePosition}"
                : string.Format(CultureInfo.InvariantCulture, "{0}{1} {2,4:P0}", stage, phase is null ? "" : $" {phase}", fraction);
            terminal.Write($"\r{text,-40}");
            _drawn = true;
        }
    }

    public void Finish()
    {
        lock (_gate)
        {
            if (_drawn) terminal.WriteLine();
            _drawn = false;
        }
    }

    public void Dispose() => Finish();

    private sealed class EngineAdapter(ProgressLine line) : IProgress<AnalysisProgress>
    {
        public void Report(AnalysisProgress value) =>
            line.Draw(value.Stage.ToString().ToLowerInvariant(), value.Fraction, value.Phase, value.QueuePosition);
    }
}
