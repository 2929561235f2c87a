using RenalGrpc.Engine.Classification;

namespace RenalGrpc.Engine.Tests.Classification;

public sealed class PhaseTripletsTests
{
    private static string[] Names(params string[] phases) => PhaseTriplets.For(phases).Select(t => t.ToString()).ToArray();

    [Fact]
    public void AllFourPhasesGiveThePapersThreeTriplets() =>
        Assert.Equal(new[] { "NAP", "NAD", "NPD" }, Names("N", "A", "P", "D"));

    [Fact]
    public void MissingPhasesFollowThePairRule()
    {
        Assert.Equal(new[] { "NAD" }, Names("N", "A", "D"));
        Assert.Equal(new[] { "NPD" }, Names("D", "P", "N"));
        Assert.Equal(new[] { "NPP" }, Names("N", "P"));
        Assert.Equal(new[] { "NNN" }, Names("N"));
    }

    [Fact]
    public void WithoutUnenhancedTheFirstContrastPhaseStandsIn()
    {
        Assert.Equal(new[] { "AAP", "AAD", "APD" }, Names("A", "P", "D"));
        Assert.Equal(new[] { "PPD" }, Names("D", "P"));
        Assert.Equal(new[] { "PPP" }, Names("P"));
    }

    [Fact]
    public void TripletsDependOnlyOnWhichPhasesArePresent()
    {
        Assert.Equal(Names("N", "A", "P", "D"), Names("D", "P", "A", "N"));
        Assert.Equal(Names("N", "A", "P"), Names("P", "N", "A", "A"));
        Assert.Throws<ArgumentException>(() => PhaseTriplets.For(new[] { "N", "X" }));
        Assert.Throws<ArgumentException>(() => PhaseTriplets.For(Array.Empty<string>()));
    }

    [Fact]
    public void StackPutsThePhasesInTripletOrderAndTheMaskLast()
    {
        var box = new SliceBox(0, 0, 0, 1, 1);
        LesionCrop Crop(float value, float mask) => new(2, box, 4, Enumerable.Repeat(value, 4).ToArray(), Enumerable.Repeat(mask, 4).ToArray());
        var crops = new Dictionary<string, LesionCrop> { ["N"] = Crop(1, 1), ["A"] = Crop(2, 0), ["D"] = Crop(4, 0) };
        var stack = PhaseTriplets.Stack(new PhaseTriplet("N", "A", "D"), crops);
        Assert.Equal(new float[] { 1, 1, 1, 1, 2, 2, 2, 2, 4, 4, 4, 4, 1, 1, 1, 1 }, stack);
        var batch = PhaseTriplets.Batch(PhaseTriplets.For(crops.Keys), crops);
        Assert.Equal(stack, batch);
        Assert.Throws<ArgumentException>(() => PhaseTriplets.Stack(new PhaseTriplet("N", "P", "D"), crops));
    }
}
