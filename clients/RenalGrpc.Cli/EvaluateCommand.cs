using System.Diagnostics;
using RenalGrpc.Client;
using RenalGrpc.Engine.Analysis;
using RenalGrpc.Imaging;
using RenalGrpc.Serving;
using RenalGrpc.Training.Evaluation;

namespace RenalGrpc.Cli;

/// <summary>
/// `renal evaluate`: analyses every case of a dataset with a local model or a server and scores it
/// against the ground truth of the reference phase (Dice, lesion detection, subtype AUCs).
/// </summary>
internal sealed class EvaluateCommand(IAnalyzerLoader localLoader) : ICliCommand
{
    public EvaluateCommand() : this(new CheckpointAnalyzerLoader())
    {
    }

    public string Name => "evaluate";
    public string Summary => "score a model (local or on a server) on a labelled dataset folder";
    public string Usage => """
        usage: renal evaluate --data DIR (--model MODEL [--whole-field] | --server URL [--token T]) [--mirror-tta] [--report eval.json]
                              [--predictions DIR [--save-aligned]]
               renal evaluate --data DIR --model MODEL --from-predictions DIR [--report eval.json]
          --data DIR       dataset in the DATASET.md layout (ground truth per phase, subtype in case.json) or KiTS23
          --model MODEL    checkpoint folder analysed in-process
          --whole-field    stage 1 on every phase's whole field of view (no body crop, no kidney search region)
          --server URL     analyse through a running server instead (upload + Analyze per case)
          --mirror-tta     stage 1 averages the eight mirrorings of each tile (several times slower)
          --report FILE    per-case and summary figures as JSON
          --predictions DIR  also write each case's label map (reference phase grid) as DIR/CASE.nii.gz
          --save-aligned   (with --model) also keep what stage 2 reads: the phases on the reference grid and the
                           registration, in DIR/CASE.aligned/ (float32; about 5x the label maps' size)
          --from-predictions DIR  re-run only stage 2 (lesion measures and classification) of MODEL on the label maps
                           and aligned phases a --save-aligned run left in DIR: a classifier or crop setting scored
                           in about a second per case; Dice, detection and alignment figures are the saved run's
        Prints per case: Dice kidney+masses and tumor, lesions found; then mean Dice, lesion recall and
        precision, one-vs-rest AUC per subtype, macro AUC, benign-vs-malignant AUC, the same figures by the
        size of each study's largest true tumor, and the confusion matrix.
        """;
    public IReadOnlySet<string> Switches { get; } = new HashSet<string> { "--whole-field", "--mirror-tta", "--save-aligned" };

    public async Task<int> RunAsync(CliArguments args, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken)
    {
        string data = args.Required("--data");
        string? model = args.Value("--model");
        string? report = OutputFile.Checked(args.Value("--report"), "--report");
        string? predictions = args.Value("--predictions");
        bool wholeField = args.Flag("--whole-field");
        bool mirrorTta = args.Flag("--mirror-tta");
        bool saveAligned = args.Flag("--save-aligned");
        string? fromPredictions = args.Value("--from-predictions");
        RenalClientOptions? server = null;
        if (model is null) server = ServerConnection.Parse(args);
        else if (args.Value("--server") is not null) throw new CliUsageException("give --model or --server, not both");
        if (wholeField && server is not null) throw new CliUsageException("--whole-field needs --model (a server runs its own settings)");
        if (wholeField && localLoader is not CheckpointAnalyzerLoader) throw new CliUsageException("--whole-field needs a checkpoint model");
        if (saveAligned && (server is not null || predictions is null))
            throw new CliUsageException("--save-aligned needs --model and --predictions DIR (a server does not return the aligned phases)");
        if (fromPredictions is not null && (server is not null || predictions is not null || wholeField || mirrorTta))
            throw new CliUsageException("--from-predictions takes --model only: segmentation and alignment come from the saved run, not from --server, " +
                "--predictions, --whole-field or --mirror-tta");
        args.EnsureAllConsumed(maxPositionals: 0);
        if (!Directory.Exists(data)) throw new CliUsageException($"--data {data}: no such folder");
        if (predictions is not null && File.Exists(predictions)) throw new CliUsageException($"--predictions {predictions}: is a file, give a folder");
        if (fromPredictions is not null && !Directory.Exists(fromPredictions)) throw new CliUsageException($"--from-predictions {fromPredictions}: no such folder");

        // Named in the report, so that figures of a non-default run are not mistaken for the default's.
        var modes = new[] { wholeField ? "whole field" : null, mirrorTta ? "mirror TTA" : null }.OfType<string>().ToArray();
        EvaluationReport result;
        if (server is null)
        {
            LoadedAnalyzer loaded;
            try
            {
                var loader = wholeField ? ((CheckpointAnalyzerLoader)localLoader).WithWholeField() : localLoader;
                loaded = loader.Load(ModelLocation.Resolve(model), cancellationToken);
            }
            catch (ModelLoadException e)
            {
                stderr.WriteLine($"renal {Name}: {e.Message}");
                return ExitCodes.BadInput;
            }
            using (loaded)
            {
                string description = $"{loaded.Identity.Name} {loaded.Identity.Version} ({string.Join(", ", modes.Prepend("local"))})";
                if (fromPredictions is not null)
                {
                    result = DatasetEvaluation.Rescore(data, $"{description} (stage 2 on {Path.GetFileName(Path.GetFullPath(fromPredictions))})", fromPredictions,
                        (aligned, labels) => loaded.Analyzer.Diagnose(aligned, labels, cancellationToken).LargestTumor?.SubtypeProbabilities,
                        line => stdout.WriteLine(line), cancellationToken);
                    Write(result, report, stdout);
                    return ExitCodes.Success;
                }
                result = DatasetEvaluation.Run(data, description, phases =>
                {
                    var clock = Stopwatch.StartNew();
                    var analysis = loaded.Analyzer.Analyze(phases, new AnalysisOptions { MirrorTta = mirrorTta }, null, cancellationToken);
                    var tumor = analysis.Diagnosis.LargestTumor;
                    // A phase the registration left alone (no masks to drive it) was read through the identity.
                    var registered = analysis.Aligned.Alignments.ToDictionary(a => a.Phase, a => a.ReferenceToPhaseLps ?? LpsAffine.Identity);
                    return new CaseOutcome(analysis.Diagnosis.ReferencePhase, analysis.Labels, tumor?.SubtypeProbabilities, clock.Elapsed.TotalSeconds, registered)
                    {
                        AlignedImages = saveAligned ? analysis.Aligned.ImagesOnReference : null,
                        PhaseWarnings = [.. analysis.PhaseCheck?.Warnings ?? [], .. analysis.Diagnosis.SubtypeWarnings],
                    };
                }, line => stdout.WriteLine(line), cancellationToken, predictions, saveAligned);
            }
        }
        else
        {
            int code = await ServerConnection.RunAsync(Name, server, stderr, async client =>
            {
                var info = await client.GetServerInfoAsync(cancellationToken);
                // The evaluation loop is synchronous (one case at a time); each call blocks on the server.
                result = DatasetEvaluation.Run(data, $"server {server.Uri} model {info.Model?.Name} {info.Model?.Version}{string.Concat(modes.Select(m => $" ({m})"))}", phases =>
                {
                    var clock = Stopwatch.StartNew();
                    var upload = client.UploadStudyAsync(phases, ChunkCompression.None, null, cancellationToken).GetAwaiter().GetResult();
                    var analysis = client.AnalyzeAsync(upload.StudyId, new Client.AnalyzeOptions { MirrorTta = mirrorTta }, null, cancellationToken).GetAwaiter().GetResult();
                    client.DeleteStudyAsync(upload.StudyId, cancellationToken).GetAwaiter().GetResult();
                    var probabilities = analysis.Diagnosis.SubtypeProbabilities;
                    var study = probabilities.Count == 0 ? null : RenalSubtypes.Names.Select(n => probabilities[n]).ToArray();
                    return new CaseOutcome(analysis.Diagnosis.ReferencePhase, analysis.Labels, study, clock.Elapsed.TotalSeconds)
                    {
                        PhaseWarnings = analysis.Diagnosis.PhaseCheck?.Warnings.ToList() ?? [],
                    };
                }, line => stdout.WriteLine(line), cancellationToken, predictions);
                Write(result, report, stdout);
                return ExitCodes.Success;
            });
            return code;
        }
        Write(result, report, stdout);
        return ExitCodes.Success;
    }

    private static void Write(EvaluationReport result, string? report, TextWriter stdout)
    {
        stdout.WriteLine();
        stdout.WriteLine($"{result.Dataset}: {result.Model}");
        stdout.Write(result.Summary.ToTable());
        if (report is null) return;
        DatasetEvaluation.Write(result, report);
        stdout.WriteLine($"report written to {report}");
    }
}
