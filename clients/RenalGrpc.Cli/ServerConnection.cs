using RenalGrpc.Client;

namespace RenalGrpc.Cli;

/// <summary>
/// The options every server command shares (--server, --token, --token-file, --tls-ca) and the
/// mapping of client failures to exit codes: refused 3, unreachable 4.
/// </summary>
internal static class ServerConnection
{
    public const string Usage = """
          --server URL      server address (default http://127.0.0.1:50051; https:// for TLS)
          --token TOKEN     bearer token, when the server requires one
          --token-file PATH file holding the bearer token (first line)
          --tls-ca PATH     PEM CA certificate to trust for https://
          --tls-client-cert PATH  PEM certificate to present to a server that requires one (mutual TLS)
          --tls-client-key PATH   PEM private key of --tls-client-cert
        """;

    public static RenalClientOptions Parse(CliArguments args)
    {
        var server = args.Value("--server") ?? RenalClientOptions.DefaultAddress;
        if (!Uri.TryCreate(server, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
            throw new CliUsageException($"--server must be an http:// or https:// URL, got '{server}'");
        var token = args.Value("--token");
        var tokenFile = args.Value("--token-file");
        if (token is not null && tokenFile is not null) throw new CliUsageException("give --token or --token-file, not both");
        if (tokenFile is not null) token = ReadToken(tokenFile);
        var ca = args.Value("--tls-ca");
        if (ca is not null && !File.Exists(ca)) throw new CliUsageException($"--tls-ca {ca}: file not found");
        var clientCert = args.Value("--tls-client-cert");
        var clientKey = args.Value("--tls-client-key");
        if ((clientCert is null) != (clientKey is null)) throw new CliUsageException("give --tls-client-cert and --tls-client-key together");
        foreach (var (option, path) in new[] { ("--tls-client-cert", clientCert), ("--tls-client-key", clientKey) })
            if (path is not null && !File.Exists(path)) throw new CliUsageException($"{option} {path}: file not found");
        if (clientCert is not null && uri.Scheme != "https") throw new CliUsageException("--tls-client-cert needs an https:// server");
        return new RenalClientOptions
        {
            Uri = uri, Token = token, RootCertificatePath = ca, ClientCertificatePath = clientCert, ClientKeyPath = clientKey,
        };
    }

    /// <summary>Runs a command body against a client, turning client failures into exit codes and messages.</summary>
    public static async Task<int> RunAsync(string command, RenalClientOptions options, TextWriter stderr, Func<RenalClient, Task<int>> body)
    {
        RenalClient client;
        try
        {
            client = new RenalClient(options);
        }
        catch (ArgumentException ex)
        {
            // A certificate or key file that cannot be used: the user's input, not the server.
            throw new CliUsageException(ex.Message);
        }
        try
        {
            using (client) return await body(client);
        }
        catch (RenalServerException ex)
        {
            stderr.WriteLine($"renal {command}: the server refused the request");
            stderr.WriteLine(ex.Describe());
            return ExitCodes.RefusedByServer;
        }
        catch (RenalUnavailableException ex)
        {
            stderr.WriteLine($"renal {command}: {ex.Message}");
            stderr.WriteLine("Is it running? Start one with: dotnet server/RenalGrpc.Server/bin/Debug/net10.0/linux-x64/RenalGrpc.Server.dll --port 50051");
            return ExitCodes.ServerUnreachable;
        }
    }

    private static string ReadToken(string path)
    {
        if (!File.Exists(path)) throw new CliUsageException($"--token-file {path}: file not found");
        var token = File.ReadLines(path).FirstOrDefault()?.Trim();
        if (string.IsNullOrEmpty(token)) throw new CliUsageException($"--token-file {path}: the file is empty");
        return token;
    }
}
