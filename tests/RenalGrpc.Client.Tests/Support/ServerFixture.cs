using RenalGrpc.Imaging.Tests.Support;

namespace RenalGrpc.Client.Testing;

/// <summary>One plain server (no token) shared by every test in the "server" collection.</summary>
public sealed class ServerFixture : IAsyncLifetime
{
    private RenalServerProcess? _server;

    public RenalServerProcess Server => _server ?? throw new InvalidOperationException("server not started");

    public static string ServerDll => RenalServerProcess.FindServerDll(RepositoryPaths.Root);

    public RenalClient CreateClient(string? token = null) => new(new RenalClientOptions { Uri = Server.Address, Token = token });

    public async Task InitializeAsync() => _server = await RenalServerProcess.StartAsync(ServerDll);

    public Task DisposeAsync()
    {
        _server?.Dispose();
        return Task.CompletedTask;
    }
}

/// <summary>Tests that talk to the shared server run one after another, so that listings are predictable.</summary>
[CollectionDefinition(Name)]
public sealed class ServerCollection : ICollectionFixture<ServerFixture>
{
    public const string Name = "server";
}
