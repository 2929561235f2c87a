namespace RenalGrpc.Client;

/// <summary>How to reach a RenalGrpc server and how patient to be with it.</summary>
public sealed record RenalClientOptions
{
    public const string DefaultAddress = "http://127.0.0.1:50051";

    /// <summary>http:// for cleartext HTTP/2, https:// for TLS.</summary>
    public Uri Uri { get; init; } = new(DefaultAddress);

    /// <summary>Sent as "authorization: Bearer TOKEN" on every call when set.</summary>
    public string? Token { get; init; }

    /// <summary>PEM file of a CA to trust for https:// (e.g. a self-signed server); null uses the system store.</summary>
    public string? RootCertificatePath { get; init; }

    /// <summary>
    /// PEM certificate (chain) this client presents, for a server started with --tls-client-ca
    /// (mutual TLS); set together with <see cref="ClientKeyPath"/>.
    /// </summary>
    public string? ClientCertificatePath { get; init; }

    /// <summary>PEM private key (PKCS#8, or PKCS#1 / SEC1) of <see cref="ClientCertificatePath"/>.</summary>
    public string? ClientKeyPath { get; init; }

    /// <summary>Deadline of every unary call.</summary>
    public TimeSpan DefaultDeadline { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Deadline of a whole study upload (hundreds of MB).</summary>
    public TimeSpan UploadDeadline { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>Deadline of an Analyze call, queueing included.</summary>
    public TimeSpan AnalyzeDeadline { get; init; } = TimeSpan.FromMinutes(30);

    /// <summary>Extra attempts after UNAVAILABLE, for calls that are safe to repeat.</summary>
    public int MaxRetries { get; init; } = 2;

    /// <summary>Wait before the first retry; doubles for each further one.</summary>
    public TimeSpan RetryBackoff { get; init; } = TimeSpan.FromMilliseconds(200);
}

/// <summary>How upload chunks are compressed on the wire.</summary>
public enum ChunkCompression
{
    None,
    Zstd,
    Lz4,
}
