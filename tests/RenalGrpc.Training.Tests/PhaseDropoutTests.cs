using RenalGrpc.Training.Classification;

namespace RenalGrpc.Training.Tests;

public sealed class PhaseDropoutTests
{
    private static readonly string[] FourPhases = ["P", "N", "D", "A"];

    private static Dictionary<int, int> KeptCounts(ClassifierTrainingOptions options, int draws = 6000)
    {
        var random = new Random(11);
        var counts = new Dictionary<int, int>();
        for (int n = 0; n < draws; n++)
        {
            var kept = ClassifierTraining.PhasesAfterDropout(FourPhases, options, random);
            Assert.Equal(kept.Distinct().Count(), kept.Count);
            Assert.All(kept, p => Assert.Contains(p, FourPhases));
            counts[kept.Count] = counts.GetValueOrDefault(kept.Count) + 1;
        }
        return counts;
    }

    [Fact]
    public void Without_a_minimum_a_dropped_out_sample_loses_exactly_one_phase()
    {
        var counts = KeptCounts(new ClassifierTrainingOptions { PhaseDropout = 0.25 });
        Assert.Equal([3, 4], counts.Keys.Order());
        Assert.InRange(counts[3] / 6000.0, 0.22, 0.28);
    }

    [Fact]
    public void With_a_minimum_of_one_every_smaller_set_is_drawn_about_equally_often()
    {
        var counts = KeptCounts(new ClassifierTrainingOptions { PhaseDropout = 0.6, MinPhasesAfterDropout = 1 });
        Assert.Equal([1, 2, 3, 4], counts.Keys.Order());
        Assert.InRange(counts[4] / 6000.0, 0.37, 0.43);
        foreach (var kept in new[] { 1, 2, 3 }) Assert.InRange(counts[kept] / 6000.0, 0.17, 0.23);
    }

    [Fact]
    public void Single_phase_samples_cover_every_phase_including_N_alone()
    {
        var random = new Random(3);
        var options = new ClassifierTrainingOptions { PhaseDropout = 1, MinPhasesAfterDropout = 1 };
        var singles = Enumerable.Range(0, 3000).Select(_ => ClassifierTraining.PhasesAfterDropout(FourPhases, options, random))
            .Where(k => k.Count == 1).Select(k => k[0]).ToHashSet();
        Assert.Equal(["A", "D", "N", "P"], singles.Order());
    }

    [Fact]
    public void The_old_rule_draws_the_same_random_numbers_as_before_the_minimum_existed()
    {
        // Up to 0.4.4: one NextDouble, then RemoveAt(Next(count)) on the phases in ordinal order.
        var options = new ClassifierTrainingOptions { PhaseDropout = 0.5 };
        var ours = new Random(21);
        var old = new Random(21);
        for (int n = 0; n < 200; n++)
        {
            var expected = FourPhases.Order(StringComparer.Ordinal).ToList();
            if (old.NextDouble() < options.PhaseDropout) expected.RemoveAt(old.Next(expected.Count));
            Assert.Equal(expected, ClassifierTraining.PhasesAfterDropout(FourPhases, options, ours));
        }
    }

    [Theory]
    [InlineData(new[] { 4, 4, 4 }, 0.25, null, 3)]
    [InlineData(new[] { 4, 2, 4 }, 0.25, null, 1)]
    [InlineData(new[] { 4, 4 }, 0.0, null, 4)]
    [InlineData(new[] { 4, 4 }, 0.3, 1, 1)]
    [InlineData(new[] { 4, 3 }, 0.3, 2, 2)]
    [InlineData(new[] { 1, 4 }, 0.3, null, 1)]
    public void The_fewest_phases_trained_is_the_fewest_a_case_has_less_what_dropout_takes(int[] perCase, double dropout, int? least, int expected) =>
        Assert.Equal(expected, ClassifierTraining.FewestPhasesTrained(perCase, new ClassifierTrainingOptions { PhaseDropout = dropout, MinPhasesAfterDropout = least }));

    [Theory]
    [InlineData(0)]
    [InlineData(4)]
    public void A_minimum_outside_one_to_three_is_refused(int least) =>
        Assert.Throws<ArgumentException>(() => new ClassifierTrainingOptions { MinPhasesAfterDropout = least }.Validate());

    [Fact]
    public void A_crop_jitter_share_outside_zero_to_one_is_refused() =>
        Assert.Throws<ArgumentException>(() => new ClassifierTrainingOptions { CropJitter = 1.5 }.Validate());
}
