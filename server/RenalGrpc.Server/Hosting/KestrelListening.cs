using System.Net;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Https;

namespace RenalGrpc.Server.Hosting;

/// <summary>Where and how Kestrel listens: one endpoint, HTTP/2 only without TLS (gRPC clients need prior knowledge), PEM TLS optional.</summary>
internal static class KestrelListening
{
    public static void Configure(KestrelServerOptions kestrel, RenalServerOptions options)
    {
        var address = ParseHost(options.Host);
        // Uploads are hundreds of MB in 1 MiB messages. With Kestrel's defaults (16 KiB frames, 1 MiB
        // connection / 768 KiB stream windows) each message crosses as 64 frames (for clients that
        // follow the server's SETTINGS_MAX_FRAME_SIZE) and less than one message fits in a stream
        // window; 1 MiB frames and windows of several messages cut the per-frame and window-update
        // traffic. Alternating runs of the transfer bench: .NET client median 505-535 -> 556-599 MB/s,
        // Python 494-589 -> 609-659 MB/s, server CPU per 419 MB upload 1.05-1.11 -> 0.90-1.13 s.
        // Cost: a client may have up to 16 MiB in flight per connection before the server reads it.
        kestrel.Limits.Http2.MaxFrameSize = 1 << 20;
        kestrel.Limits.Http2.InitialConnectionWindowSize = 16 << 20;
        kestrel.Limits.Http2.InitialStreamWindowSize = 8 << 20;
        kestrel.Listen(address, options.Port, listen =>
        {
            if (!options.UsesTls)
            {
                listen.Protocols = HttpProtocols.Http2;
                return;
            }

            listen.Protocols = HttpProtocols.Http1AndHttp2;
            var certificate = X509Certificate2.CreateFromPemFile(options.TlsCert!, options.TlsKey);
            listen.UseHttps(https =>
            {
                https.ServerCertificate = certificate;
                if (options.TlsClientCa is not null)
                {
                    var ca = X509CertificateLoader.LoadCertificate(File.ReadAllBytes(options.TlsClientCa));
                    https.ClientCertificateMode = ClientCertificateMode.RequireCertificate;
                    https.ClientCertificateValidation = (cert, _, _) => IsSignedBy(cert, ca);
                }
            });
        });
    }

    private static IPAddress ParseHost(string host) => host switch
    {
        "localhost" => IPAddress.Loopback,
        "*" or "0.0.0.0" => IPAddress.Any,
        _ when IPAddress.TryParse(host, out var ip) => ip,
        _ => throw new ArgumentException($"--host '{host}' is not an IP address (use e.g. 127.0.0.1, 0.0.0.0 or ::)"),
    };

    private static bool IsSignedBy(X509Certificate2 client, X509Certificate2 ca)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(ca);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        return chain.Build(client);
    }
}
