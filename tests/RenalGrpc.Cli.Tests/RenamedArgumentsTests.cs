namespace RenalGrpc.Cli.Tests;

public sealed class RenamedArgumentsTests
{
    [Fact]
    public void Each_scan_gets_the_phase_it_looks_like_in_N_A_P_D_order_and_paths_are_quoted_for_a_shell()
    {
        StudyPhaseInputs.Source[] sources =
        [
            new("N", "/data/n.nii.gz", null, null),
            new("A", "/data/my scans/p.nii.gz", null, null),
            new("P", "/exports/study", "1.2.840.5", "#4 'ARTERIAL' 512x512x80"),
            new("D", "/data/o'brien/d.nrrd", null, null),
        ];

        var text = StudyPhaseInputs.RenamedArguments(new Dictionary<string, string> { ["A"] = "P", ["P"] = "A" }, sources);

        Assert.Equal("--phase N=/data/n.nii.gz --phase A=/exports/study#1.2.840.5 --phase 'P=/data/my scans/p.nii.gz' --phase 'D=/data/o'\\''brien/d.nrrd'", text);
    }
}
