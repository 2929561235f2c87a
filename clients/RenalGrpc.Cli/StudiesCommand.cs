using System.Globalization;
using RenalGrpc.Client;

namespace RenalGrpc.Cli;

/// <summary>`renal studies`: the studies a server holds.</summary>
internal sealed class StudiesCommand : ICliCommand
{
    public string Name => "studies";
    public string Summary => "list the studies stored on a server";
    public string Usage => "usage: renal studies [--server URL] [--token T | --token-file PATH] [--tls-ca PATH] [--tls-client-cert PATH --tls-client-key PATH]\n" + ServerConnection.Usage;
    public IReadOnlySet<string> Switches { get; } = new HashSet<string>();

    public Task<int> RunAsync(CliArguments args, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken)
    {
        var options = ServerConnection.Parse(args);
        args.EnsureAllConsumed(maxPositionals: 0);
        return ServerConnection.RunAsync(Name, options, stderr, async client =>
        {
            var listing = await client.ListStudiesAsync(cancellationToken);
            var inv = CultureInfo.InvariantCulture;
            if (listing.Studies.Count == 0) stdout.WriteLine("no studies stored");
            else
            {
                int idWidth = Math.Max(8, listing.Studies.Max(s => s.StudyId.Length));
                stdout.WriteLine($"{"id".PadRight(idWidth)}  phases  {"MB",8}  expires (UTC)");
                foreach (var s in listing.Studies)
                    stdout.WriteLine(string.Format(inv, "{0}  {1,-6}  {2,8:F1}  {3:yyyy-MM-dd HH:mm:ss}",
                        s.StudyId.PadRight(idWidth), string.Concat(s.Phases.Select(p => p.Phase)), s.TotalBytes / 1e6, s.ExpiresAt.UtcDateTime));
            }
            stdout.WriteLine(string.Format(inv, "memory used {0:F1} MB of {1:F1} MB", listing.MemoryUsedBytes / 1e6, listing.MemoryBudgetBytes / 1e6));
            return ExitCodes.Success;
        });
    }
}
