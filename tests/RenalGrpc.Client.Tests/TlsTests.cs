using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using RenalGrpc.Client.Testing;

namespace RenalGrpc.Client.Tests;

public sealed class TlsTests : IDisposable
{
    private readonly string _scratch = Directory.CreateTempSubdirectory("renal-client-tls-").FullName;

    [Fact]
    public async Task HttpsServer_IsTrustedThroughRootCertificatePath_AndRefusedWithoutIt()
    {
        var (certPath, keyPath) = WriteSelfSignedCertificate();
        using var server = await RenalServerProcess.StartAsync(ServerFixture.ServerDll, "--tls-cert", certPath, "--tls-key", keyPath);
        Assert.Equal("https", server.Address.Scheme);
        using var trusting = new RenalClient(new RenalClientOptions { Uri = server.Address, RootCertificatePath = certPath });
        using var systemStoreOnly = new RenalClient(new RenalClientOptions { Uri = server.Address, MaxRetries = 0 });

        var info = await trusting.GetServerInfoAsync();
        var upload = await trusting.UploadStudyAsync(TestStudies.FourPhases(seed: 60));

        Assert.NotEmpty(info.Labels);
        Assert.False(upload.AlreadyStored);
        // The self-signed certificate is not in the system store: the TLS handshake fails.
        await Assert.ThrowsAsync<RenalUnavailableException>(() => systemStoreOnly.GetServerInfoAsync());
    }

    private (string CertPath, string KeyPath) WriteSelfSignedCertificate()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=renal-client-test", key, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        san.AddIpAddress(IPAddress.Loopback);
        san.AddDnsName("localhost");
        request.CertificateExtensions.Add(san.Build());
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));
        var certPath = Path.Combine(_scratch, "server.crt");
        var keyPath = Path.Combine(_scratch, "server.key");
        File.WriteAllText(certPath, certificate.ExportCertificatePem());
        File.WriteAllText(keyPath, key.ExportPkcs8PrivateKeyPem());
        return (certPath, keyPath);
    }

    public void Dispose() => Directory.Delete(_scratch, recursive: true);
}
