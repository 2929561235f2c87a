using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Grpc.Core;
using Grpc.Health.V1;
using Grpc.Net.Client;
using RenalGrpc.Server.Tests.Support;
using RenalGrpc.V1;

namespace RenalGrpc.Server.Tests;

/// <summary>Server info, health, bearer-token auth and TLS.</summary>
public sealed class ServerAccessTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("renal-server-tests-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task ServerInfoDescribesLabelsLimitsAndNoModel()
    {
        await using var server = await RunningServer.StartAsync("--max-voxels-per-phase", "5000", "--memory-budget-mb", "64");
        var info = await server.Info.GetServerInfoAsync(new GetServerInfoRequest());

        Assert.False(info.Model.Loaded);
        Assert.Contains(RunningServer.NoModel, info.Model.Status);
        Assert.Contains("does not exist", info.Model.Status);
        Assert.Equal("cpu", info.Device);
        Assert.Equal(["background", "kidney", "tumor", "cyst"], info.Labels.Select(l => l.Name));
        var kidney = info.Labels[1];
        Assert.Equal((1u, "64033007", "Anatomical Structure"), (kidney.Value, kidney.SnomedCtCode, kidney.SnomedCtCategory));
        Assert.Equal(["ccRCC", "pRCC", "chRCC", "oncocytoma", "AML"], info.Subtypes);
        Assert.Equal([Phase.N, Phase.A, Phase.P, Phase.D], info.PhasesSupported);
        Assert.Equal([Compression.None, Compression.Zstd, Compression.Lz4], info.Compressions);
        Assert.Equal(5000UL, info.Limits.MaxVoxelsPerPhase);
        Assert.Equal(64UL << 20, info.Limits.MemoryBudgetBytes);
        Assert.Equal(1u << 20, info.Limits.MaxChunkBytes);
        Assert.Equal(3600, info.Limits.StudyTtl.Seconds);
        Assert.False(info.AuthRequired);

        var health = new Health.HealthClient(server.Channel);
        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, (await health.CheckAsync(new HealthCheckRequest())).Status);
        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, (await health.CheckAsync(new HealthCheckRequest { Service = "renal.v1.StudyService" })).Status);
        Assert.Equal(HealthCheckResponse.Types.ServingStatus.NotServing, (await health.CheckAsync(new HealthCheckRequest { Service = "renal.v1.AnalysisService" })).Status);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task TokenIsRequiredExceptForHealth(bool fromFile)
    {
        var tokenFile = Path.Combine(_dir, "token");
        await File.WriteAllTextAsync(tokenFile, "s3cret-token\n");
        string[] args = fromFile ? ["--token-file", tokenFile] : ["--token", "s3cret-token"];
        await using var server = await RunningServer.StartAsync(args);

        var none = await RpcAssert.FailsWith(StatusCode.Unauthenticated, () => server.Info.GetServerInfoAsync(new GetServerInfoRequest()).ResponseAsync);
        Assert.DoesNotContain("s3cret", none.Status.Detail);
        await RpcAssert.FailsWith(StatusCode.Unauthenticated,
            () => server.Info.GetServerInfoAsync(new GetServerInfoRequest(), new Metadata { { "authorization", "Bearer s3cret-tokem" } }).ResponseAsync);
        await RpcAssert.FailsWith(StatusCode.Unauthenticated,
            () => RunningServer.UploadAsync(server.Studies, SyntheticStudy.Upload(SyntheticStudy.Phase(Phase.P))));

        var auth = new Metadata { { "authorization", "Bearer s3cret-token" } };
        Assert.True((await server.Info.GetServerInfoAsync(new GetServerInfoRequest(), auth)).AuthRequired);
        var uploaded = await RunningServer.UploadAsync(server.Studies, SyntheticStudy.Upload(SyntheticStudy.Phase(Phase.P)), auth);
        Assert.False(uploaded.AlreadyStored);

        var health = new Health.HealthClient(server.Channel);
        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, (await health.CheckAsync(new HealthCheckRequest())).Status);
    }

    [Fact]
    public async Task TlsWithASelfSignedCertificate()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=renal-test-server", key, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        san.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(san.Build());
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        var certPath = Path.Combine(_dir, "server.crt");
        var keyPath = Path.Combine(_dir, "server.key");
        await File.WriteAllTextAsync(certPath, certificate.ExportCertificatePem());
        await File.WriteAllTextAsync(keyPath, key.ExportPkcs8PrivateKeyPem());

        await using var server = await RunningServer.StartAsync("--tls-cert", certPath, "--tls-key", keyPath);
        Assert.StartsWith("https://127.0.0.1:", server.Host.Address);

        var thumbprint = certificate.Thumbprint;
        using var handler = new HttpClientHandler
        {
            ServerCertificateCustomValidationCallback = (_, cert, _, _) => cert?.Thumbprint == thumbprint,
        };
        using var channel = RunningServer.CreateChannel(server.Host.Address, handler);
        var info = await new InfoService.InfoServiceClient(channel).GetServerInfoAsync(new GetServerInfoRequest());
        Assert.Equal("cpu", info.Device);
        var uploaded = await RunningServer.UploadAsync(new StudyService.StudyServiceClient(channel), SyntheticStudy.Upload(SyntheticStudy.Phase(Phase.N)));
        Assert.Matches("^[0-9a-f]{32}$", uploaded.StudyId);

        using var untrusting = RunningServer.CreateChannel(server.Host.Address);
        // The .NET client reports a failed handshake itself (as INTERNAL); what matters is that it names the certificate.
        var refused = await Assert.ThrowsAsync<RpcException>(
            () => new InfoService.InfoServiceClient(untrusting).GetServerInfoAsync(new GetServerInfoRequest()).ResponseAsync);
        Assert.Contains("certificate", refused.Status.Detail);
    }

    [Fact]
    public async Task ClientCertificatesAreRequiredWhenAClientCaIsGiven()
    {
        using var caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var caRequest = new CertificateRequest("CN=renal-test-ca", caKey, HashAlgorithmName.SHA256);
        caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        caRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign, true));
        using var ca = caRequest.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));

        using var serverKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var serverRequest = new CertificateRequest("CN=renal-test-server", serverKey, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        san.AddIpAddress(IPAddress.Loopback);
        serverRequest.CertificateExtensions.Add(san.Build());
        using var serverCertificate = serverRequest.Create(ca, DateTimeOffset.UtcNow.AddHours(-1), DateTimeOffset.UtcNow.AddHours(12), [1]);
        await File.WriteAllTextAsync(Path.Combine(_dir, "server.crt"), serverCertificate.ExportCertificatePem());
        await File.WriteAllTextAsync(Path.Combine(_dir, "server.key"), serverKey.ExportPkcs8PrivateKeyPem());
        await File.WriteAllTextAsync(Path.Combine(_dir, "ca.crt"), ca.ExportCertificatePem());

        await using var server = await RunningServer.StartAsync("--tls-cert", Path.Combine(_dir, "server.crt"),
            "--tls-key", Path.Combine(_dir, "server.key"), "--tls-client-ca", Path.Combine(_dir, "ca.crt"));

        using var member = CreateClientCertificate(ca, "CN=renal-test-client", signedByCa: true);
        using var stranger = CreateClientCertificate(ca, "CN=renal-test-stranger", signedByCa: false);
        var serverThumbprint = serverCertificate.Thumbprint;
        GrpcChannel Connect(X509Certificate2? clientCertificate)
        {
            var handler = new HttpClientHandler { ServerCertificateCustomValidationCallback = (_, cert, _, _) => cert?.Thumbprint == serverThumbprint };
            if (clientCertificate is not null) handler.ClientCertificates.Add(clientCertificate);
            return RunningServer.CreateChannel(server.Host.Address, handler);
        }

        using (var channel = Connect(member))
        {
            var uploaded = await RunningServer.UploadAsync(new StudyService.StudyServiceClient(channel), SyntheticStudy.Upload(SyntheticStudy.Phase(Phase.A)));
            Assert.Matches("^[0-9a-f]{32}$", uploaded.StudyId);
        }

        foreach (var outsider in new[] { null, stranger })
        {
            using var channel = Connect(outsider);
            await Assert.ThrowsAsync<RpcException>(
                () => new InfoService.InfoServiceClient(channel).GetServerInfoAsync(new GetServerInfoRequest()).ResponseAsync);
        }
    }

    /// <summary>A client certificate (with its key, as TLS needs) issued by the CA, or self-signed when not.</summary>
    private static X509Certificate2 CreateClientCertificate(X509Certificate2 ca, string subject, bool signedByCa)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.2")], false));
        using var issued = signedByCa
            ? request.Create(ca, DateTimeOffset.UtcNow.AddHours(-1), DateTimeOffset.UtcNow.AddHours(12), [2]).CopyWithPrivateKey(key)
            : request.CreateSelfSigned(DateTimeOffset.UtcNow.AddHours(-1), DateTimeOffset.UtcNow.AddHours(12));
        // Through PKCS#12 so the private key is a persisted one SslStream accepts on every platform.
        return X509CertificateLoader.LoadPkcs12(issued.Export(X509ContentType.Pkcs12), null);
    }
}
