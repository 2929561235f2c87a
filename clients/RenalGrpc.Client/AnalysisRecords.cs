using RenalGrpc.Imaging;
using Proto = RenalGrpc.V1;

namespace RenalGrpc.Client;

/// <summary>What an Analyze call asks for.</summary>
public sealed record AnalyzeOptions
{
    /// <summary>Mirror test-time augmentation (several times slower; no better on the default model's validation phantoms, MODEL.md).</summary>
    public bool MirrorTta { get; init; }

    /// <summary>Also fetch every phase's mask in its own grid.</summary>
    public bool PerPhaseMasks { get; init; }

    /// <summary>"N", "A", "P" or "D" to override the reference phase; null lets the server choose (P, else A, else D, else N).</summary>
    public string? ReferencePhase { get; init; }
}

/// <summary>One progress event of an Analyze call. QueuePosition is 1 for "next" and only set while queued; Phase is null unless the stage runs per phase.</summary>
public sealed record AnalyzeProgress(Proto.Stage Stage, double Fraction, int QueuePosition, string? Phase, string Message);

/// <summary>
/// The result of Analyze: the label map in the reference phase's grid (hash-checked), the diagnosis
/// message as the server sent it, and each phase's own-grid mask when they were asked for.
/// </summary>
public sealed record AnalyzeResult(
    Volume Labels,
    string ReferencePhase,
    uint Revision,
    Proto.Diagnosis Diagnosis,
    IReadOnlyDictionary<string, Volume> PhaseMasks);
