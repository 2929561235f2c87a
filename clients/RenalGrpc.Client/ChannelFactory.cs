using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using Grpc.Net.Client;

namespace RenalGrpc.Client;

/// <summary>
/// Builds the HTTP/2 channel: optional private CA for TLS, optional client certificate (mutual TLS),
/// deadlines kept apart from cancellation.
/// </summary>
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
        if (options.ClientCertificatePath is not null || options.ClientKeyPath is not null)
            handler.SslOptions.ClientCertificates = [LoadClientCertificate(options.ClientCertificatePath, options.ClientKeyPath)];
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

    private static X509Certificate2 LoadClientCertificate(string? certificatePath, string? keyPath)
    {
        if (certificatePath is null || keyPath is null)
            throw new ArgumentException("a client certificate needs both its certificate and its private key file");
        foreach (var path in new[] { certificatePath, keyPath })
            if (!File.Exists(path)) throw new FileNotFoundException($"{path} not found", path);
        try
        {
            using var pem = X509Certificate2.CreateFromPemFile(certificatePath, keyPath);
            // A key read from PEM is ephemeral; through PKCS#12 it becomes one SslStream can sign with everywhere.
            return X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), null);
        }
        catch (System.Security.Cryptography.CryptographicException ex)
        {
            throw new ArgumentException($"{certificatePath} / {keyPath}: not a PEM certificate and its matching private key ({ex.Message})", nameof(certificatePath), ex);
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
