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
