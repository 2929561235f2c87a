using System.Globalization;
using RenalGrpc.Client;

namespace RenalGrpc.Cli;

/// <summary>`renal info`: the server's version, model, limits and label table.</summary>
internal sealed class InfoCommand : ICliCommand
{
    public string Name => "info";
    public string Summary => "show a server's version, model, limits and label table";
    public string Usage => "usage: renal info [--server URL] [--token T | --token-file PATH] [--tls-ca PATH] [--tls-client-cert PATH --tls-client-key PATH]\n" + ServerConnection.Usage;
    public IReadOnlySet<string> Switches { get; } = new HashSet<string>();

    public Task<int> RunAsync(CliArguments args, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken)
    {
        var options = ServerConnection.Parse(args);
        args.EnsureAllConsumed(maxPositionals: 0);
        return ServerConnection.RunAsync(Name, options, stderr, async client =>
        {
            var info = await client.GetServerInfoAsync(cancellationToken);
            Print(info, client.Server, stdout);
            return ExitCodes.Success;
        });
    }

    private static void Print(RenalServerInfo info, Uri server, TextWriter o)
    {
        var inv = CultureInfo.InvariantCulture;
        o.WriteLine($"server      {server} (version {info.ServerVersion}, device {info.Device})");
        o.WriteLine(info.Model.Loaded
            ? $"model       {info.Model.Name} {info.Model.Version} (sha256 {Abbreviate(info.Model.Sha256)})"
            : $"model       not loaded: {info.Model.Status}");
        o.WriteLine($"auth        {(info.AuthRequired ? "bearer token required" : "none")}");
        o.WriteLine($"phases      {string.Join(" ", info.PhasesSupported)}");
        o.WriteLine($"compression {string.Join(" ", info.Compressions.Select(c => c.ToString().ToLowerInvariant()))}");
        var l = info.Limits;
        o.WriteLine(string.Format(inv, "limits      {0:N0} voxels/phase, {1:F0} MB/study, {2:F0} MB memory budget, study TTL {3}",
            l.MaxVoxelsPerPhase, l.MaxStudyBytes / 1e6, l.MemoryBudgetBytes / 1e6, l.StudyTtl));
        o.WriteLine($"subtypes    {string.Join(", ", info.Subtypes)}");
        o.WriteLine();
        o.WriteLine("value  name        colour   SNOMED CT");
        foreach (var label in info.Labels)
            o.WriteLine($"{label.Value,5}  {label.Name,-10}  #{label.Red:x2}{label.Green:x2}{label.Blue:x2}  {label.SnomedCtCode} {label.SnomedCtMeaning}".TrimEnd());
    }

    private static string Abbreviate(string hex) => hex.Length > 12 ? hex[..12] : hex;
}
