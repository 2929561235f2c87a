namespace RenalGrpc.Server.Analysis;

public enum AnalysisRefusal
{
    ModelUnavailable,
    QueueFull,
}

/// <summary>The worker cannot take an Analyze call; RpcErrors turns it into UNAVAILABLE or RESOURCE_EXHAUSTED.</summary>
public sealed class AnalysisRefusedException(AnalysisRefusal refusal, string message) : Exception(message)
{
    public AnalysisRefusal Refusal { get; } = refusal;

    public static AnalysisRefusedException ModelUnavailable(string reason) =>
        new(AnalysisRefusal.ModelUnavailable, $"the model is not loaded: {reason}");

    public static AnalysisRefusedException QueueFull(int capacity) =>
        new(AnalysisRefusal.QueueFull, $"the analysis queue is full ({capacity} waiting); retry later");
}
