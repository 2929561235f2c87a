using RenalGrpc.Engine.Tests.Support;
using RenalGrpc.Training;

namespace RenalGrpc.Training.Tests;

/// <summary>
/// Training hands native code no Scalar it does not hold (UnheldScalarScan says why that matters:
/// a collection on another thread can free it mid-call and the step fails or silently computes
/// with garbage).
/// </summary>
public sealed class HeldScalarTests
{
    [Fact]
    public void TrainingHandsNativeCodeNoUnheldScalar()
    {
        var findings = UnheldScalarScan.Find(typeof(TrainingRun).Assembly);
        Assert.True(findings.Count == 0, "unheld Scalars:\n" + string.Join("\n", findings));
    }
}
