using RenalGrpc.Engine.Tests.Support;
using RenalGrpc.Training;

namespace RenalGrpc.Training.Tests;

/// <summary>Training hands native code no Scalar it does not hold (UnheldScalarScan says why).</summary>
public sealed class HeldScalarTests
{
    [Fact]
    public void TrainingHandsNativeCodeNoUnheldScalar() => UnheldScalarScan.AssertNone(typeof(TrainingRun).Assembly);
}
