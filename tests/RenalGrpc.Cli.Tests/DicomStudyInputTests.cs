using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using RenalGrpc.Imaging;
using RenalGrpc.Imaging.Tests.Support;
using RenalGrpc.Server.Analysis;
using RenalGrpc.Server.Hosting;
using RenalGrpc.Server.Tests.Support;
using RenalGrpc.Serving;

namespace RenalGrpc.Cli.Tests;

/// <summary>
/// One generated four-phase case written as DICOM study folders the way a PACS export looks (one
/// series per phase, files flat under opaque names, a scout), by pydicom (Python/write_dicom_study.py).
/// </summary>
public sealed class DicomStudyFixture : IDisposable
{
    private readonly ScratchFolder _scratch = new();

    public DicomStudyFixture()
    {
        var data = _scratch.File("data");
        var made = CliRun.Of("phantom", "--out", data, "--cases", "1", "--seed", "12", "--size", "64x64x24").GetAwaiter().GetResult();
        if (made.ExitCode != 0) throw new InvalidOperationException(made.Stderr);
        Case = Path.Combine(data, "case_00000");
        Plain = Write("plain", "--localizer");
        TwoNephrographic = Write("thin", "--extra", "P=NEPHRO 1.25mm");
        UnnamedN = Write("unnamed", "--describe", "N=ABDOMEN 5mm");
        TwoExams = Write("exams");
        PriorExam = Write("exams", "--prefix", "PRIOR"); // a prior exam exported into the same folder
        OtherPatient = Write("other", "--patient-id", "SOMEONE-ELSE");
        SwappedAD = Write("swapped", "--describe", "A=DELAYED 5 MIN", "--describe", "D=ARTERIAL 2.5mm");
    }

    public string Case { get; }
    public (string Folder, JsonElement Summary) Plain { get; }
    public (string Folder, JsonElement Summary) TwoNephrographic { get; }
    public (string Folder, JsonElement Summary) UnnamedN { get; }
    public (string Folder, JsonElement Summary) TwoExams { get; }
    public (string Folder, JsonElement Summary) PriorExam { get; }
    public (string Folder, JsonElement Summary) OtherPatient { get; }
    public (string Folder, JsonElement Summary) SwappedAD { get; }

    public Volume Phase(string phase) => VolumeFiles.Read(Path.Combine(Case, $"imaging_{phase}.nii.gz"));

    private (string, JsonElement) Write(string name, params string[] options)
    {
        var folder = _scratch.File(name);
        var script = Path.Combine(AppContext.BaseDirectory, "Python", "write_dicom_study.py");
        var json = ExternalProcess.Run(ReferencePython.Executable, new[] { script, Case, folder }.Concat(options), timeout: TimeSpan.FromMinutes(2));
        return (folder, JsonDocument.Parse(json).RootElement.Clone());
    }

    public void Dispose() => _scratch.Dispose();
}

/// <summary>`--dicom-study`, `--phase P=FOLDER#SERIES` and the refusals that keep one series from being read for two phases.</summary>
public sealed class DicomStudyInputTests(DicomStudyFixture study) : IClassFixture<DicomStudyFixture>
{
    private static Dictionary<string, Volume> Read(StringWriter stdout, string? dicomStudy, params string[] phases) =>
        StudyPhaseInputs.Read(phases, dicomStudy, stdout);

    /// <summary>`renal upload` to a port nothing listens on (a refusal comes before any connection): exit 2, its stderr.</summary>
    private static async Task<string> RefusedUpload(params string[] args)
    {
        var run = await CliRun.Of(["upload", "--server", "http://127.0.0.1:1", .. args]);
        Assert.Equal(ExitCodes.BadInput, run.ExitCode);
        return run.Stderr;
    }

    private void AssertIsPhase(string phase, Volume read)
    {
        var truth = study.Phase(phase);
        Assert.True(read.HasSameVoxelsAs(truth), $"phase {phase} read from DICOM has other voxels than imaging_{phase}.nii.gz");
        Assert.True(read.Geometry.IsSameGrid(truth.Geometry), $"phase {phase}: {read.Geometry} vs {truth.Geometry}");
    }

    [Fact]
    public void A_study_folder_gives_each_phase_its_own_series_by_description()
    {
        var stdout = new StringWriter();
        var volumes = Read(stdout, study.Plain.Folder);

        Assert.Equal(["N", "A", "P", "D"], volumes.Keys);
        foreach (var (phase, volume) in volumes) AssertIsPhase(phase, volume);
        Assert.Contains("phase N: #2 'ABD W/O CONTRAST' 64x64x24", stdout.ToString());
        Assert.Contains("phase D: #5 'DELAYED 5 MIN' 64x64x24", stdout.ToString());
        Assert.DoesNotContain("SCOUT", stdout.ToString()); // a localizer is no phase and no left-over
    }

    [Fact]
    public async Task A_folder_of_several_series_given_as_one_phase_is_refused_with_the_series_listed()
    {
        var stderr = await RefusedUpload("--phase", $"N={study.Plain.Folder}", "--phase", $"A={study.Plain.Folder}");

        Assert.Contains("the folder holds 4 CT series", stderr);
        Assert.Contains("'NEPHROGRAPHIC 2.5mm'", stderr);
        Assert.DoesNotContain("'SCOUT'", stderr);
    }

    [Fact]
    public void A_series_is_chosen_by_number_or_uid_after_a_hash()
    {
        var uid = study.Plain.Summary.GetProperty("series").GetProperty("A").GetString()!;
        var volumes = Read(new StringWriter(), null, $"N={study.Plain.Folder}#2", $"A={study.Plain.Folder}#{uid}");

        AssertIsPhase("N", volumes["N"]);
        AssertIsPhase("A", volumes["A"]);
    }

    [Fact]
    public async Task One_series_for_two_phases_is_refused()
    {
        var run = await CliRun.Of("analyze", "--local", "--phase", $"N={study.Plain.Folder}#3", "--phase", $"A={study.Plain.Folder}#3");

        Assert.Equal(ExitCodes.BadInput, run.ExitCode);
        Assert.Contains("phase A: holds the same voxels as phase N", run.Stderr);
    }

    [Fact]
    public async Task Two_series_naming_one_phase_must_be_settled_by_the_user()
    {
        var folder = study.TwoNephrographic.Folder;
        var refused = await RefusedUpload("--dicom-study", folder);
        Assert.Contains("2 series read as phase P; choose one with --phase P=", refused);
        Assert.Contains("'NEPHRO 1.25mm'", refused);

        var stdout = new StringWriter();
        var volumes = Read(stdout, folder, $"P={folder}#6");
        Assert.Equal(["N", "A", "P", "D"], volumes.Keys);
        AssertIsPhase("P", volumes["P"]); // series 6 is the extra reconstruction of P's images
        Assert.Contains($"phase P: {folder}#6 (--phase)", stdout.ToString());
    }

    [Fact]
    public void A_series_whose_description_names_no_phase_is_left_out_and_said_so()
    {
        var folder = study.UnnamedN.Folder;
        var stdout = new StringWriter();
        var withoutN = Read(stdout, folder);
        Assert.Equal(["A", "P", "D"], withoutN.Keys);
        Assert.Contains("not read: #2 'ABDOMEN 5mm' 64x64x24 (its description names no phase", stdout.ToString());

        var withN = Read(new StringWriter(), folder, $"N={folder}#2");
        Assert.Equal(["N", "A", "P", "D"], withN.Keys);
        AssertIsPhase("N", withN["N"]);
    }

    [Theory]
    [InlineData("#9", "no series with SeriesNumber 9")]
    [InlineData("#1.2.3", "no series with SeriesInstanceUID 1.2.3")]
    public async Task A_series_that_is_not_there_is_named(string selector, string message)
    {
        Assert.Contains(message, await RefusedUpload("--phase", $"N={study.Plain.Folder}{selector}"));
    }

    [Fact]
    public async Task A_folder_holding_two_exams_is_not_mixed()
    {
        var folder = study.TwoExams.Folder;
        var refused = await RefusedUpload("--dicom-study", folder);
        Assert.Contains("the folder holds series of 2 exams", refused);
        Assert.Contains("exam 2: ", refused);

        // Every phase named by UID: the user has chosen, nothing is assigned for them.
        var series = study.TwoExams.Summary.GetProperty("series");
        var phases = "NAPD".Select(p => $"{p}={folder}#{series.GetProperty(p.ToString()).GetString()}").ToArray();
        var volumes = Read(new StringWriter(), folder, phases);
        foreach (var (phase, volume) in volumes) AssertIsPhase(phase, volume);
    }

    [Fact]
    public async Task Phases_of_two_patients_are_refused_without_naming_either()
    {
        var stderr = await RefusedUpload("--phase", $"N={study.Plain.Folder}#2", "--phase", $"A={study.OtherPatient.Folder}#3");

        Assert.Contains("phase A: is a DICOM series of another patient than phase N (PatientID differs)", stderr);
        Assert.DoesNotContain("SOMEONE-ELSE", stderr);
        Assert.DoesNotContain("PHANTOM", stderr);
    }

    [Fact]
    public void Phases_of_one_patients_two_exams_are_read_and_said_to_be()
    {
        string Uid((string Folder, JsonElement Summary) exam, string phase) => exam.Summary.GetProperty("series").GetProperty(phase).GetString()!;
        var folder = study.TwoExams.Folder;
        var stdout = new StringWriter();

        var volumes = Read(stdout, null, $"N={folder}#{Uid(study.PriorExam, "N")}", $"A={folder}#{Uid(study.TwoExams, "A")}");

        Assert.Equal(["N", "A"], volumes.Keys);
        Assert.Contains("note: phases N and A come from different exams (StudyInstanceUID) of one patient", stdout.ToString());
        var oneExam = new StringWriter();
        Read(oneExam, null, $"N={folder}#{Uid(study.TwoExams, "N")}", $"A={folder}#{Uid(study.TwoExams, "A")}");
        Assert.DoesNotContain("note:", oneExam.ToString());
    }

    [Fact]
    public async Task Inspect_lists_the_phase_each_series_reads_as()
    {
        var run = await CliRun.Of("inspect", study.Plain.Folder, "--list-series");

        Assert.True(run.ExitCode == 0, run.Stderr);
        Assert.Contains("#3 'ARTERIAL 2.5mm' 64x64x24 (24 files)  [phase A]", run.Stdout);
        Assert.Contains("#1 'SCOUT' 64x64x1 (1 files) localizer" + Environment.NewLine, run.Stdout);
    }

    // Until session 21 inspect and convert read "the largest CT series" of a folder: one of four same-sized phases,
    // converted without a word about which.
    [Fact]
    public async Task Inspect_and_convert_of_a_study_folder_need_the_series_named()
    {
        using var scratch = new ScratchFolder();
        var output = scratch.File("a.nii.gz");
        foreach (var args in new[] { new[] { "inspect", study.Plain.Folder }, ["convert", study.Plain.Folder, output] })
        {
            var refused = await CliRun.Of(args);
            Assert.Equal(ExitCodes.BadInput, refused.ExitCode);
            Assert.Contains("the folder holds 4 CT series that could be the volume; choose one with --series (SeriesNumber or SeriesInstanceUID)", refused.Stderr);
            Assert.Contains("#3 'ARTERIAL 2.5mm' 64x64x24", refused.Stderr);
            Assert.DoesNotContain("SCOUT", refused.Stderr); // a localizer is never the volume
        }
        Assert.False(File.Exists(output));

        var byNumber = await CliRun.Of("convert", study.Plain.Folder, output, "--series", "3");
        Assert.True(byNumber.ExitCode == 0, byNumber.Stderr);
        AssertIsPhase("A", VolumeFiles.Read(output));
        var uid = study.Plain.Summary.GetProperty("series").GetProperty("D").GetString()!;
        var byUid = await CliRun.Of("inspect", study.Plain.Folder, "--series", uid, "--json");
        Assert.True(byUid.ExitCode == 0, byUid.Stderr);
        var onAFile = await CliRun.Of("inspect", Path.Combine(study.Case, "imaging_A.nii.gz"), "--series", "3");
        Assert.Equal(ExitCodes.BadInput, onAFile.ExitCode);
        Assert.Contains("--series chooses a series in a DICOM folder; this is a file", onAFile.Stderr);
        var unknown = await CliRun.Of("inspect", study.Plain.Folder, "--series", "9");
        Assert.Equal(ExitCodes.BadInput, unknown.ExitCode);
        Assert.Contains("no series with SeriesNumber 9; found: ", unknown.Stderr);
    }

    // The arterial series exported as DELAYED and the excretory as ARTERIAL: read as described, the phase check
    // names the swap, and the rerun line gives each series (by UID) under the phase it looks like. (An A / P swap
    // goes unwarned on these 4.8 mm scans: both kidney medians read about 92 HU; MODEL.md, Limits.)
    [Fact]
    public async Task A_study_folder_with_swapped_descriptions_is_named_with_the_series_to_rerun()
    {
        var (folder, summary) = study.SwappedAD;
        string Series(string phase) => $"{folder}#{summary.GetProperty("series").GetProperty(phase).GetString()}";

        var run = await CliRun.Of("analyze", "--local", "--dicom-study", folder);

        Assert.True(run.ExitCode == 0, run.Stderr);
        Assert.Contains("phase A: #5 'ARTERIAL 2.5mm' 64x64x24", run.Stdout);
        Assert.Contains("phase D: #3 'DELAYED 5 MIN' 64x64x24", run.Stdout);
        Assert.Contains("WARNING phase A: ", run.Stdout); // excreted contrast in "A"
        Assert.Contains("WARNING the phases read consistently if renamed: the scan given as A looks like D, the one given as D like A", run.Stdout);
        Assert.Contains("to analyse the scans as the phase check reads them: " +
            $"--phase N={Series("N")} --phase A={Series("A")} --phase P={Series("P")} --phase D={Series("D")}", run.Stdout);
    }

    [Fact]
    public async Task Preview_chooses_series_by_the_same_rules()
    {
        using var scratch = new ScratchFolder();
        var png = scratch.File("x.png");
        var refused = await CliRun.Of("preview", "--phase", $"A={study.Plain.Folder}", "--out", png);
        Assert.Equal(ExitCodes.BadInput, refused.ExitCode);
        Assert.Contains("the folder holds 4 CT series", refused.Stderr);

        var made = await CliRun.Of("preview", "--phase", $"N={study.Plain.Folder}#2", "--phase", $"A={study.Plain.Folder}#3", "--out", png);
        Assert.True(made.ExitCode == 0, made.Stderr);
        Assert.True(new FileInfo(png).Length > 1000);
    }

    [Fact]
    public async Task Upload_of_a_study_folder_reaches_a_real_server()
    {
        await using var host = await RenalServerHost.StartAsync(["--port", "0"], logging => logging.SetMinimumLevel(LogLevel.Warning),
            services => services.AddSingleton<IAnalyzerLoader>(new FakeAnalyzerLoader(new FakeStudyAnalyzer())));

        var run = await CliRun.Of("upload", "--server", host.Address, "--dicom-study", study.Plain.Folder);

        Assert.True(run.ExitCode == 0, run.Stderr);
        Assert.Contains("phase A: #3 'ARTERIAL 2.5mm' 64x64x24", run.Stdout);
        Assert.Matches(@"study [0-9a-f]{16,}", run.Stdout);
        Assert.Contains("sent 0.8 MB", run.Stdout); // four int16 phases of 64 x 64 x 24
    }
}
