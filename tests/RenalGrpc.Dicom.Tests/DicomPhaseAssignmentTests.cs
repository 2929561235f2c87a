using RenalGrpc.Imaging.Dicom;
using RenalGrpc.Imaging.Tests.Support;

namespace RenalGrpc.Dicom.Tests;

/// <summary>Phases read from series descriptions as scanners and technologists write them.</summary>
public sealed class DicomPhaseAssignmentTests
{
    /// <summary>tests/phase_descriptions.tsv: the table the Python client's phase_words is tested against too.</summary>
    public static TheoryData<string, string> Descriptions()
    {
        var data = new TheoryData<string, string>();
        foreach (var line in File.ReadAllLines(Path.Combine(RepositoryPaths.Root, "tests", "phase_descriptions.tsv")))
        {
            if (line.StartsWith('#')) continue;
            var columns = line.Split('\t');
            data.Add(columns[0], columns[1]);
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Descriptions))]
    public void A_description_names_the_phase_the_shared_table_gives(string description, string phase)
    {
        Assert.Equal(phase == "-" ? null : phase, DicomPhaseAssignment.PhaseOf(description));
    }

    [Fact]
    public void The_shared_table_covers_every_phase_and_the_refusals()
    {
        var phases = Descriptions().Select(row => (string)row[1]).ToList();
        Assert.All(new[] { "N", "A", "P", "D", "-" }, p => Assert.True(phases.Count(x => x == p) >= 4, $"few rows for {p}"));
        Assert.Equal(["A", "P"], DicomPhaseAssignment.PhasesNamedBy("ARTERIAL / PORTAL"));
    }

    private static DicomSeriesSummary Series(int number, string description, int slices = 40, string modality = "CT", bool localizer = false) =>
        new($"1.2.3.{number}", modality, description, number, slices, slices, 512, 512) { IsLocalizer = localizer };

    [Fact]
    public void A_study_assigns_each_named_series_and_reports_the_rest()
    {
        var study = DicomPhaseAssignment.From([
            Series(1, "SCOUT", 2, localizer: true),
            Series(2, "ABD W/O CONTRAST"),
            Series(3, "ARTERIAL 1.25mm"),
            Series(4, "NEPHRO 5mm"),
            Series(5, "NEPHROGRAPHIC 1.25mm"),
            Series(6, "CORONAL 3mm"),
            Series(7, "DELAYED", 1),           // one slice: no volume
            Series(8, "ARTERIAL", 30, "MR"),   // another modality next to CT series is left out
        ]);

        Assert.Equal(["N", "A"], study.Phases.Keys);
        Assert.Equal(3, study.Phases["A"].SeriesNumber);
        Assert.Equal([4, 5], study.Conflicts["P"].Select(s => s.SeriesNumber));
        Assert.Equal([6], study.Unassigned.Select(s => s.SeriesNumber));
        Assert.Equal(1, study.Exams);
    }

    [Fact]
    public void Exams_are_counted_over_the_volume_series()
    {
        var prior = Series(2, "ABD W/O CONTRAST") with { Exam = 2 };
        Assert.Equal(2, DicomPhaseAssignment.From([Series(3, "ARTERIAL"), prior]).Exams);
        Assert.Equal(1, DicomPhaseAssignment.From([Series(3, "ARTERIAL"), prior with { SliceCount = 1 }]).Exams); // a lone slice is no volume
    }
}
