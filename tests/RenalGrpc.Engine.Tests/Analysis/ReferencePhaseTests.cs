using RenalGrpc.Engine.Analysis;

namespace RenalGrpc.Engine.Tests.Analysis;

public sealed class ReferencePhaseTests
{
    [Theory]
    [InlineData("NAPD", "P")]
    [InlineData("NAD", "A")]
    [InlineData("DN", "D")]
    [InlineData("N", "N")]
    [InlineData("DPAN", "P")]
    public void ThePreferenceIsPThenAThenDThenN(string phases, string expected) =>
        Assert.Equal(expected, ReferencePhase.Choose(phases.Select(c => c.ToString()), null));

    [Fact]
    public void ARequestedPhaseWinsWhenPresent()
    {
        Assert.Equal("N", ReferencePhase.Choose(["N", "A", "P"], "N"));
        Assert.Contains("only A, N", Assert.Throws<ArgumentException>(() => ReferencePhase.Choose(["A", "N"], "P")).Message);
        Assert.Throws<ArgumentException>(() => ReferencePhase.Choose(["A"], "X"));
        Assert.Throws<ArgumentException>(() => ReferencePhase.Choose([], null));
    }
}
