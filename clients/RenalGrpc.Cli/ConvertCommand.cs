namespace RenalGrpc.Cli;

/// <summary>`renal convert IN OUT`: between NIfTI, NRRD and .seg.nrrd (DICOM as input), geometry kept exactly.</summary>
internal sealed class ConvertCommand : ICliCommand
{
    public string Name => "convert";
    public string Summary => "convert between NIfTI, NRRD and Slicer .seg.nrrd (DICOM as input), keeping geometry";
    public string Usage => """
        usage: renal convert IN OUT [--series S] [--first-volume]
          IN              .nii, .nii.gz, .nrrd, .nhdr, .seg.nrrd, a DICOM file or a DICOM folder
          OUT             .nii, .nii.gz, .nrrd, .nhdr or .seg.nrrd (label maps with values 0..3: KiTS23 segment names)
          --series S      with a DICOM folder: the series to read, by SeriesNumber or SeriesInstanceUID
                          (needed when the folder holds several volume series; scouts do not count)
          --first-volume  read the first volume of a 4-D NIfTI file
        """;
    public IReadOnlySet<string> Switches { get; } = new HashSet<string> { "--first-volume" };

    public Task<int> RunAsync(CliArguments args, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken)
    {
        var series = args.Value("--series");
        bool firstVolume = args.Flag("--first-volume");
        args.EnsureAllConsumed(maxPositionals: 2);
        if (args.Positionals.Count != 2) throw new CliUsageException("IN and OUT are required");
        var (input, output) = (args.Positionals[0], args.Positionals[1]);
        var volume = VolumeFiles.Read(input, series, firstVolume);
        VolumeFiles.Write(volume, output);
        stdout.WriteLine($"wrote {output}: {volume}");
        return Task.FromResult(ExitCodes.Success);
    }
}
