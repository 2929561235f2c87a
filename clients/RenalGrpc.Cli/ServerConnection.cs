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
        return new RenalClientOptions { Uri = uri, Token = token, RootCertificatePath = ca };
    }

    /// <summary>Runs a command body against a client, turning client failures into exit codes and messages.</summary>
    public static async Task<int> RunAsync(string command, RenalClientOptions options, TextWriter stderr, Func<RenalClient, Task<int>> body)
    {
        try
        {
            using var client = new RenalClient(options);
            return await body(client);
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
