using RenalGrpc.Server.Storage;

namespace RenalGrpc.Server.Tests.Storage;

public sealed class RetiredRevisionsTests
{
    [Fact]
    public void AStudyComingBackContinuesFromItsLastNumber_AndAnUnknownOneFromZero()
    {
        var retired = new RetiredRevisions();
        retired.Retire("a", 4);
        Assert.Equal(0u, retired.Revive("b"));
        Assert.Equal(4u, retired.Revive("a"));
        Assert.Equal(0, retired.Count); // the live study carries its number now
        retired.Retire("a", 2); // never lowered: a smaller number than remembered cannot win
        retired.Retire("a", 1);
        Assert.Equal(2u, retired.LastIssued("a"));
    }

    [Fact]
    public void AnAnalyzeOfAGoneStudyTakesTheNextNumberAndItIsRemembered()
    {
        var retired = new RetiredRevisions();
        Assert.Equal(1u, retired.IssueNext("a"));
        Assert.Equal(2u, retired.IssueNext("a"));
        Assert.Equal(2u, retired.Revive("a"));
    }

    [Fact]
    public void PastItsCapacityItForgetsEveryId_ButNoLaterStudyStartsBelowTheHighestNumberForgotten()
    {
        var retired = new RetiredRevisions();
        for (var n = 0; n < RetiredRevisions.Capacity; n++) retired.Retire($"s{n}", n == 7 ? 40u : 3u);
        Assert.Equal(RetiredRevisions.Capacity, retired.Count);
        Assert.Equal(0u, retired.LastIssued("new"));

        retired.Retire("one-more", 5);
        Assert.Equal(0, retired.Count);
        Assert.Equal(40u, retired.LastIssued("s0"));
        Assert.Equal(40u, retired.Revive("new"));
        Assert.Equal(41u, retired.IssueNext("s7"));
    }
}
