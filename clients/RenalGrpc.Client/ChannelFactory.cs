using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using Grpc.Net.Client;

namespace RenalGrpc.Client;

/// <summary>Builds the HTTP/2 channel: optional private CA for TLS, deadlines kept apart from cancellation.</summary>
internal static class ChannelFactory
{
    public static GrpcChannel Create(RenalClientOptions options)
    {
        if (options.Uri.Scheme is not ("http" or "https"))
            throw new ArgumentException($"server address {options.Uri} must start with http:// or https://", nameof(options));
        var handler = new SocketsHttpHandler
        {
            EnableMultipleHttp2Connections = true,
            ConnectTimeout = TimeSpan.FromSeconds(10),
            KeepAlivePingDelay = TimeSpan.FromSeconds(60),
            KeepAlivePingTimeout = TimeSpan.FromSeconds(30),
        };
        if (options.RootCertificatePath is not null)
            handler.SslOptions.RemoteCertificateValidationCallback = TrustOnly(LoadCa(options.RootCertificatePath));
        return GrpcChannel.ForAddress(options.Uri, new GrpcChannelOptions
        {
            HttpHandler = handler,
            DisposeHttpClient = true,
            // Left false: with it, an expired deadline also surfaces as OperationCanceledException.
            // RenalClient turns CANCELLED into OperationCanceledException only when the caller cancelled.
            ThrowOperationCanceledOnCancellation = false,
            // Segmentation downloads come as 1 MiB chunks; leave room for the envelope.
            MaxReceiveMessageSize = 8 << 20,
        });
    }

    private static X509Certificate2 LoadCa(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"CA certificate {path} not found", path);
        try
        {
            return X509Certificate2.CreateFromPem(File.ReadAllText(path));
        }
        catch (System.Security.Cryptography.CryptographicException ex)
        {
            throw new ArgumentException($"{path}: not a PEM certificate ({ex.Message})", nameof(path), ex);
        }
    }

    // Accepts a server certificate that chains to the given CA, with the host name still checked.
    private static RemoteCertificateValidationCallback TrustOnly(X509Certificate2 ca) => (_, certificate, _, errors) =>
    {
        if (errors == SslPolicyErrors.None) return true;
        if (certificate is null || (errors & ~SslPolicyErrors.RemoteCertificateChainErrors) != 0) return false;
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(ca);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        var leaf = certificate as X509Certificate2 ?? X509CertificateLoader.LoadCertificate(certificate.GetRawCertData());
        return chain.Build(leaf);
    };
}
