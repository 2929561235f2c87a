using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using RenalGrpc.Cli;
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

    [Fact]
    public async Task ServerRequiringClientCertificates_AcceptsTheClientAndCliWithOne_AndRefusesThemWithout()
    {
        using var caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var caRequest = new CertificateRequest("CN=renal-client-test-ca", caKey, HashAlgorithmName.SHA256);
        caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        caRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign, true));
        using var ca = caRequest.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        var caPath = Path.Combine(_scratch, "ca.crt");
        File.WriteAllText(caPath, ca.ExportCertificatePem());
        var (serverCert, serverKey) = WriteIssuedCertificate(ca, "server", serverAuth: true);
        var (clientCert, clientKey) = WriteIssuedCertificate(ca, "client", serverAuth: false);
        var (strangerCert, strangerKey) = WriteSelfSignedCertificate("stranger");
        using var server = await RenalServerProcess.StartAsync(ServerFixture.ServerDll,
            "--tls-cert", serverCert, "--tls-key", serverKey, "--tls-client-ca", caPath);
        var trusted = new RenalClientOptions { Uri = server.Address, RootCertificatePath = caPath, MaxRetries = 0 };

        using (var member = new RenalClient(trusted with { ClientCertificatePath = clientCert, ClientKeyPath = clientKey }))
        {
            var upload = await member.UploadStudyAsync(TestStudies.FourPhases(seed: 61));
            Assert.Equal(upload.StudyId, (await member.GetStudyAsync(upload.StudyId)).StudyId);
        }
        using (var anonymous = new RenalClient(trusted))
            await Assert.ThrowsAsync<RenalUnavailableException>(() => anonymous.GetServerInfoAsync());
        using (var stranger = new RenalClient(trusted with { ClientCertificatePath = strangerCert, ClientKeyPath = strangerKey }))
            await Assert.ThrowsAsync<RenalUnavailableException>(() => stranger.GetServerInfoAsync());

        var tls = new[] { "info", "--server", server.Address.ToString(), "--tls-ca", caPath };
        var withCertificate = await Renal([.. tls, "--tls-client-cert", clientCert, "--tls-client-key", clientKey]);
        var without = await Renal([.. tls]);
        var certificateAlone = await Renal([.. tls, "--tls-client-cert", clientCert]);
        var keyNotMatching = await Renal([.. tls, "--tls-client-cert", clientCert, "--tls-client-key", strangerKey]);

        Assert.True(withCertificate.ExitCode == 0, withCertificate.Stderr);
        Assert.Contains("kidney", withCertificate.Stdout);
        Assert.Equal(ExitCodes.ServerUnreachable, without.ExitCode);
        Assert.Equal(ExitCodes.BadInput, certificateAlone.ExitCode);
        Assert.Contains("--tls-client-key", certificateAlone.Stderr);
        Assert.Equal(ExitCodes.BadInput, keyNotMatching.ExitCode);
        Assert.Contains("private key", keyNotMatching.Stderr);
    }

    private (string CertPath, string KeyPath) WriteIssuedCertificate(X509Certificate2 ca, string name, bool serverAuth)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN=renal-client-test-{name}", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid(serverAuth ? "1.3.6.1.5.5.7.3.1" : "1.3.6.1.5.5.7.3.2")], false));
        if (serverAuth)
        {
            var san = new SubjectAlternativeNameBuilder();
            san.AddIpAddress(IPAddress.Loopback);
            request.CertificateExtensions.Add(san.Build());
        }
        // Well inside the CA's validity: an issued certificate may not outlive its issuer, and a
        // notAfter of "now + 1 day" taken a second after the CA's would (CI failed on exactly that).
        using var issued = request.Create(ca, DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddHours(12), [(byte)(serverAuth ? 1 : 2)]);
        var certPath = Path.Combine(_scratch, $"{name}.crt");
        var keyPath = Path.Combine(_scratch, $"{name}.key");
        File.WriteAllText(certPath, issued.ExportCertificatePem());
        File.WriteAllText(keyPath, key.ExportPkcs8PrivateKeyPem());
        return (certPath, keyPath);
    }

    private static async Task<(int ExitCode, string Stdout, string Stderr)> Renal(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int code = await CommandDispatcher.RunAsync(args, stdout, stderr, CancellationToken.None);
        return (code, stdout.ToString(), stderr.ToString());
    }

    private (string CertPath, string KeyPath) WriteSelfSignedCertificate(string name = "server")
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=renal-client-test", key, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        san.AddIpAddress(IPAddress.Loopback);
        san.AddDnsName("localhost");
        request.CertificateExtensions.Add(san.Build());
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));
        var certPath = Path.Combine(_scratch, $"{name}.crt");
        var keyPath = Path.Combine(_scratch, $"{name}.key");
        File.WriteAllText(certPath, certificate.ExportCertificatePem());
        File.WriteAllText(keyPath, key.ExportPkcs8PrivateKeyPem());
        return (certPath, keyPath);
    }

    public void Dispose() => Directory.Delete(_scratch, recursive: true);
}
