using RenalGrpc.Imaging.Dicom;

namespace RenalGrpc.Dicom.Tests;

/// <summary>Phases read from series descriptions as scanners and technologists write them.</summary>
public sealed class DicomPhaseAssignmentTests
{
    [Theory]
    [InlineData("ABD W/O CONTRAST", "N")]
    [InlineData("Abdomen non-contrast 5.0 B30f", "N")]
    [InlineData("NECT 3mm", "N")]
    [InlineData("Unenhanced", "N")]
    [InlineData("PRE 2.5mm", "N")]
    [InlineData("ABD C-", "N")]
    [InlineData("Nativ / native", "N")]
    [InlineData("ARTERIAL 2.5mm", "A")]
    [InlineData("Late arterial", "A")]
    [InlineData("Corticomedullary phase", "A")]
    [InlineData("cortico-medullary 1.0 Br40", "A")]
    [InlineData("NEPHROGRAPHIC 2.5mm", "P")]
    [InlineData("Nephro 100s", "P")]
    [InlineData("PORTAL VENOUS 5mm", "P")]
    [InlineData("PV 3.0 I30f", "P")]
    [InlineData("DELAYED 5 MIN", "D")]
    [InlineData("Excretory phase", "D")]
    [InlineData("CT UROGRAM", "D")]
    [InlineData("Delay 10min", "D")]
    public void A_description_naming_one_phase_gives_it(string description, string phase)
    {
        Assert.Equal(phase, DicomPhaseAssignment.PhaseOf(description));
    }

    [Theory]
    [InlineData("ABDOMEN 5mm")]             // no phase word
    [InlineData("ABD W/ CONTRAST")]         // contrast, but which phase?
    [InlineData("C+ 3mm")]
    [InlineData("Dose Report")]
    [InlineData("CORONAL MPR")]
    [InlineData("ARTERIAL / PORTAL")]      // two phases: a guess either way
    [InlineData("Delayed venous")]
    [InlineData("PREPARED")]                // words inside words do not count
    [InlineData("DELETED ART3D")]
    [InlineData("")]
    public void A_description_naming_no_phase_or_several_gives_none(string description)
    {
        Assert.Null(DicomPhaseAssignment.PhaseOf(description));
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
