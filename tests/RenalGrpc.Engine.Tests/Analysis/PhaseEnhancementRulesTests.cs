using RenalGrpc.Engine.Analysis;

namespace RenalGrpc.Engine.Tests.Analysis;

public sealed class PhaseEnhancementRulesTests
{
    // The saved phantom analyses' means (MODEL.md, Limits): median, upper quartile, % of kidney voxels at 300 HU or more.
    private static readonly KidneyEnhancement N = new(16, 32, 0);
    private static readonly KidneyEnhancement A = new(103, 137, 0);
    private static readonly KidneyEnhancement P = new(136, 163, 0);
    private static readonly KidneyEnhancement D = new(96, 114, 1.9);

    private static Dictionary<string, KidneyEnhancement> Study(params (string Name, KidneyEnhancement Scan)[] phases) =>
        phases.ToDictionary(p => p.Name, p => p.Scan);

    [Fact]
    public void Phases_that_enhance_as_named_break_no_rule()
    {
        Assert.Empty(PhaseEnhancementRules.Violations(Study(("N", N), ("A", A), ("P", P), ("D", D))));
        Assert.Null(PhaseEnhancementRules.ConsistentReading(Study(("N", N), ("A", A), ("P", P), ("D", D))));
        Assert.Empty(PhaseEnhancementRules.Violations(Study(("P", P)))); // one phase: nothing to compare
        Assert.Empty(PhaseEnhancementRules.Violations(Study()));
    }

    [Fact]
    public void An_enhanced_N_and_an_unenhanced_contrast_phase_are_named_in_N_A_P_D_order()
    {
        var warnings = PhaseEnhancementRules.Violations(Study(("D", new(20, 40, 0)), ("N", new(120, 160, 0)), ("P", new(15, 30, 0)), ("A", A)));

        // The absolute rules first (N, P, D), then the comparisons the same scans break: A above P, D above P.
        Assert.Equal(5, warnings.Count);
        Assert.Equal("phase N: the kidneys' upper quartile reads 160 HU, enhanced parenchyma (unenhanced kidney is 30-40 HU): is N a contrast phase?", warnings[0]);
        Assert.StartsWith("phase P: the kidneys' upper quartile reads 30 HU, no contrast enhancement", warnings[1]);
        Assert.StartsWith("phase D: the kidneys' upper quartile reads 40 HU", warnings[2]);
        Assert.StartsWith("phase A: the kidneys' median reads 103 HU, above P's 15", warnings[3]);
        Assert.StartsWith("phase D: the kidneys' upper quartile reads 40 HU, above P's 30", warnings[4]);
        // The threshold sits between unenhanced kidney (30-40) and the weakest contrast phase (about 110).
        Assert.Single(PhaseEnhancementRules.Violations(Study(("N", new(50, PhaseEnhancementRules.EnhancedKidneyHu, 0)))));
        Assert.Empty(PhaseEnhancementRules.Violations(Study(("A", new(50, PhaseEnhancementRules.EnhancedKidneyHu, 0)))));
    }

    [Theory]
    [InlineData("N", "A")]
    [InlineData("N", "P")]
    [InlineData("N", "D")]
    [InlineData("A", "P")]
    [InlineData("A", "D")]
    [InlineData("P", "D")]
    public void Any_two_phases_swapped_break_a_rule_and_the_one_renaming_that_fixes_it_is_the_swap(string first, string second)
    {
        var scans = Study(("N", N), ("A", A), ("P", P), ("D", D));
        (scans[first], scans[second]) = (scans[second], scans[first]);

        Assert.NotEmpty(PhaseEnhancementRules.Violations(scans));
        Assert.Equal(new Dictionary<string, string> { [first] = second, [second] = first }, PhaseEnhancementRules.ConsistentReading(scans));
        // Also with the phases not involved left out.
        var pair = Study((first, scans[first]), (second, scans[second]));
        Assert.Equal(new Dictionary<string, string> { [first] = second, [second] = first }, PhaseEnhancementRules.ConsistentReading(pair));
    }

    [Fact]
    public void A_brighter_than_P_is_the_corticomedullary_rule_with_its_margin()
    {
        var atMargin = Study(("A", A with { MedianHu = P.MedianHu + PhaseEnhancementRules.CorticomedullaryMarginHu }), ("P", P));
        var warning = Assert.Single(PhaseEnhancementRules.Violations(atMargin));
        Assert.Equal("phase A: the kidneys' median reads 146 HU, above P's 136: in the corticomedullary phase the medulla is still dark, so A reads lower than P. Are A and P swapped?", warning);
        // A little brighter than P is a patient, not a swap.
        Assert.Empty(PhaseEnhancementRules.Violations(Study(("A", A with { MedianHu = P.MedianHu + 9.9 }), ("P", P))));
    }

    [Fact]
    public void Excreted_contrast_in_A_or_P_counts_only_when_clearly_more_than_in_D()
    {
        // A few dense voxels (renal artery branches in an arterial scan) are not excretion.
        Assert.Empty(PhaseEnhancementRules.Violations(Study(("A", A with { DenseContrastPercent = 0.4 }), ("D", D with { DenseContrastPercent = 0 }))));
        // A split-bolus nephrographic scan holds contrast too: only more than twice D's counts.
        Assert.Empty(PhaseEnhancementRules.Violations(Study(("P", P with { DenseContrastPercent = 1.5 }), ("D", D with { DenseContrastPercent = 1.0 }))));
        var warning = Assert.Single(PhaseEnhancementRules.Violations(Study(("P", P with { DenseContrastPercent = 2.1 }), ("D", D with { DenseContrastPercent = 1.0 }))));
        Assert.Equal("phase P: 2.1% of the kidney voxels read 300 HU or more, excreted contrast, against 1.0% in D: is P the excretory scan?", warning);
        // Without D there is nothing to compare with (a split-bolus study may have no D at all).
        Assert.Empty(PhaseEnhancementRules.Violations(Study(("N", N), ("P", P with { DenseContrastPercent = 3 }))));
    }

    [Fact]
    public void D_brighter_than_A_or_P_is_the_fading_rule()
    {
        var warning = Assert.Single(PhaseEnhancementRules.Violations(Study(("P", P), ("D", D with { UpperQuartileHu = P.UpperQuartileHu + 10 }))));
        Assert.Equal("phase D: the kidneys' upper quartile reads 173 HU, above P's 163: the parenchyma fades by the excretory phase. Are P and D swapped?", warning);
        Assert.Empty(PhaseEnhancementRules.Violations(Study(("P", P), ("D", D with { UpperQuartileHu = P.UpperQuartileHu + 9 }))));
    }

    [Fact]
    public void No_reading_is_offered_when_no_renaming_fixes_the_phases_or_several_do()
    {
        // A failed injection: A reads unenhanced like N, and no renaming makes two unenhanced scans fit.
        var failed = Study(("N", N), ("A", N with { MedianHu = 18 }), ("P", P), ("D", D));
        Assert.NotEmpty(PhaseEnhancementRules.Violations(failed));
        Assert.Null(PhaseEnhancementRules.ConsistentReading(failed));
        // Three contrast scans alike but for A's median, and no excretion: A <-> P and A <-> D both fix it.
        var alike = Study(("A", new(140, 150, 0)), ("P", new(120, 150, 0)), ("D", new(120, 150, 0)));
        Assert.NotEmpty(PhaseEnhancementRules.Violations(alike));
        Assert.Null(PhaseEnhancementRules.ConsistentReading(alike));
    }

    [Fact]
    public void A_reading_is_described_in_N_A_P_D_order()
    {
        Assert.Equal("the phases read consistently if renamed: the scan given as A looks like D, the one given as P like A, the one given as D like P",
            PhaseEnhancementRules.Describe(new Dictionary<string, string> { ["D"] = "P", ["A"] = "D", ["P"] = "A" }));
    }
}
