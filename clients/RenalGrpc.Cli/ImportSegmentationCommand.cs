using System.Globalization;
using RenalGrpc.Engine.Checkpoints;
using RenalGrpc.Engine.Model;
using RenalGrpc.Training;

namespace RenalGrpc.Cli;

/// <summary>`renal import-seg`: puts a stage-1 network trained in PyTorch into a RenalGrpc checkpoint.</summary>
internal sealed class ImportSegmentationCommand : ICliCommand
{
    public string Name => "import-seg";
    public string Summary => "put a stage-1 network trained in PyTorch (state_dict) into a checkpoint folder";
    public string Usage => """
        usage: renal import-seg --pytorch STATE_DICT.pt --out MODEL [--features 16,32,64,128] [--tile 32,128,128]
                                [--steps N] [--seed S] [--data-description TEXT] [--version V]
               renal import-seg --roi --pytorch ROI_STATE_DICT.pt --out MODEL [--features 16,32,64] [--crop 28,40,40] ...
          --pytorch FILE    torch.save(net.state_dict(), FILE) of training/pytorch/renal_unet.py's SegmentationUNet
          --out MODEL       checkpoint folder; the classifier of a checkpoint already there is kept
          --features        channels per stage of that network (strides (1,1,1) (1,2,2) (2,2,2) (2,2,2)...)
          --tile            sliding-window tile (z, y, x) in model-grid voxels; use the training patch
          --steps, --seed, --data-description   how it was trained, written into checkpoint.json
          --version V       model version; default: that of the checkpoint already in MODEL, else 0.1.0
          --roi             the state_dict is the multi-phase kidney-ROI network (4 channels N, A, P, D;
                            training/pytorch/train_roi.py); it goes in beside MODEL's stage 1 and classifier
          --crop            the ROI box (z, y, x) in model-grid voxels; use the training crop
          --max-missing-phases N   studies lacking up to N of the four phases still get the ROI stage
                            (their channels read 0); only for a network trained with train_roi.py --phase-dropout
          --min-kidney-share F     also let the ROI stage claim stage-1 background for a lesion at least F of
                            which lies on stage-1 kidney (an exophytic part stage 1 left out); 0 = off (default)
          --lesion-kind     let the ROI network decide whether each stage-1 lesion is a tumor or a cyst (it reads
                            every phase, so it sees whether a lesion enhances; stage 1 reads one)
          --enhancing-cyst-hu H    a stage-1 cyst whose median HU rises by H or more from N to A or P on the
                            aligned phases becomes tumor (a simple cyst does not enhance); 0 = off (default)
        """;
    public IReadOnlySet<string> Switches { get; } = new HashSet<string> { "--roi", "--lesion-kind" };

    public Task<int> RunAsync(CliArguments args, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken)
    {
        bool roi = args.Flag("--roi");
        var features = IntList(args, "--features", roi ? new[] { 16, 32, 64 } : new[] { 16, 32, 64, 128 });
        var strides = Enumerable.Range(0, features.Length)
            .Select(s => s == 0 ? new[] { 1, 1, 1 } : s == 1 ? new[] { 1, 2, 2 } : new[] { 2, 2, 2 }).ToArray();
        var request = new SegmentationImportRequest
        {
            StateDictPath = args.Required("--pytorch"),
            OutputFolder = args.Required("--out"),
            Network = new SegmentationUNetOptions { Features = features, Strides = strides },
            TileShape = IntList(args, "--tile", new[] { 32, 128, 128 }),
            ModelVersion = args.Value("--version"),
            Roi = roi
                ? new RoiRefinementOptions
                {
                    Network = new SegmentationUNetOptions { InputChannels = 4, Features = features, Strides = strides },
                    CropShape = IntList(args, "--crop", new[] { 28, 40, 40 }),
                    MaxMissingPhases = args.IntValue("--max-missing-phases", 0, 0, 3),
                    MinKidneyShare = args.DoubleValue("--min-kidney-share", 0, 0, 1),
                    LesionKindFromRoi = args.Flag("--lesion-kind"),
                    EnhancingCystRiseHu = args.DoubleValue("--enhancing-cyst-hu", 0, 0, 999),
                }
                : null,
            Training = new TrainingDescription
            {
                DataDescription = args.Value("--data-description") ?? "",
                Steps = args.IntValue("--steps", 0, 0),
                Seed = args.IntValue("--seed", 0),
                Notes = roi ? "kidney-ROI network trained in PyTorch (training/pytorch/train_roi.py) and imported with `renal import-seg --roi`; synthetic data, not for clinical use" : "stage 1 trained in PyTorch (training/pytorch/train_segmentation.py) and imported with `renal import-seg`; synthetic data, not for clinical use",
            },
        };
        if (roi && args.Value("--tile") is not null) throw new CliUsageException("--tile is for stage 1; the ROI network takes --crop");
        if (!roi && args.Value("--crop") is not null) throw new CliUsageException("--crop needs --roi");
        if (!roi && args.Value("--max-missing-phases") is not null) throw new CliUsageException("--max-missing-phases needs --roi");
        if (!roi && args.Value("--min-kidney-share") is not null) throw new CliUsageException("--min-kidney-share needs --roi");
        if (!roi && args.Flag("--lesion-kind")) throw new CliUsageException("--lesion-kind needs --roi");
        if (!roi && args.Value("--enhancing-cyst-hu") is not null) throw new CliUsageException("--enhancing-cyst-hu needs --roi");
        args.EnsureAllConsumed(maxPositionals: 0);
        CheckpointMetadata metadata;
        try
        {
            metadata = SegmentationImport.Execute(request, line => stdout.WriteLine(line));
        }
        catch (ArgumentException e)
        {
            throw new CliUsageException(e.Message);
        }
        stdout.WriteLine(roi
            ? $"wrote {request.OutputFolder} ({metadata.Name} {metadata.Version}, kidney-ROI features {string.Join("-", features)}, crop {string.Join("x", request.Roi!.CropShape)})"
            : $"wrote {request.OutputFolder} ({metadata.Name} {metadata.Version}, stage 1 features {string.Join("-", features)}, tile {string.Join("x", request.TileShape)})");
        return Task.FromResult(ExitCodes.Success);
    }

    private static int[] IntList(CliArguments args, string name, int[] fallback)
    {
        var text = args.Value(name);
        if (text is null) return fallback;
        try
        {
            return text.Split(',').Select(v => int.Parse(v.Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture)).ToArray();
        }
        catch (FormatException)
        {
            throw new CliUsageException($"{name} must be comma-separated integers, got '{text}'");
        }
    }
}
