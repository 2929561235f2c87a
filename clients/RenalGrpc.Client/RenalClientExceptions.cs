using Grpc.Core;

namespace RenalGrpc.Client;

/// <summary>One field of a request the server rejected, from google.rpc.BadRequest.</summary>
public sealed record FieldViolation(string Field, string Description);

/// <summary>The server answered and refused the call (bad request, not found, unauthenticated, ...).</summary>
public sealed class RenalServerException : Exception
{
    public RenalServerException(StatusCode statusCode, string message, IReadOnlyList<FieldViolation> fieldViolations, string? reason, Exception? inner, TimeSpan? retryAfter = null,
        IReadOnlyDictionary<string, string>? metadata = null)
        : base(message, inner)
    {
        Metadata = metadata ?? new Dictionary<string, string>();
        RetryAfter = retryAfter;
        StatusCode = statusCode;
        FieldViolations = fieldViolations;
        Reason = reason;
    }

    public StatusCode StatusCode { get; }

    /// <summary>Empty unless the server attached google.rpc.BadRequest details.</summary>
    public IReadOnlyList<FieldViolation> FieldViolations { get; }

    /// <summary>google.rpc.ErrorInfo reason (e.g. "STUDY_NOT_FOUND") when the server sent one.</summary>
    public string? Reason { get; }

    /// <summary>google.rpc.ErrorInfo metadata (e.g. "current_revision" of a stale edit); empty when none.</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; }

    /// <summary>The study's latest revision when an edit was refused as stale (ABORTED); null otherwise.</summary>
    public uint? CurrentRevision => Metadata.TryGetValue("current_revision", out var value) && uint.TryParse(value, System.Globalization.CultureInfo.InvariantCulture, out var revision) ? revision : null;

    /// <summary>google.rpc.RetryInfo delay (e.g. when the analysis queue is full); null when the server sent none.</summary>
    public TimeSpan? RetryAfter { get; }

    /// <summary>Status, message and every field violation, one per line, for people.</summary>
    public string Describe()
    {
        var lines = new List<string> { $"{StatusCode}: {Message}" + (Reason is null ? "" : $" [{Reason}]") + (RetryAfter is { } delay ? $" (retry after {delay.TotalSeconds:0} s)" : "") };
        lines.AddRange(FieldViolations.Select(v => $"  {v.Field}: {v.Description}"));
        return string.Join(Environment.NewLine, lines);
    }
}

/// <summary>The server could not be reached (not running, wrong address, connection dropped) after retries.</summary>
public sealed class RenalUnavailableException(Uri server, string message, Exception? inner)
    : Exception($"server {server} is unreachable: {message}", inner)
{
    public Uri Server { get; } = server;
}
