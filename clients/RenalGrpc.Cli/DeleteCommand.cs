namespace RenalGrpc.Cli;

/// <summary>`renal delete --study ID`: frees a stored study.</summary>
internal sealed class DeleteCommand : ICliCommand
{
    public string Name => "delete";
    public string Summary => "delete a study stored on a server";
    public string Usage => "usage: renal delete --study ID [--server URL] [--token T | --token-file PATH] [--tls-ca PATH] [--tls-client-cert PATH --tls-client-key PATH]\n" + ServerConnection.Usage;
    public IReadOnlySet<string> Switches { get; } = new HashSet<string>();

    public Task<int> RunAsync(CliArguments args, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken)
    {
        var studyId = args.Required("--study");
        var options = ServerConnection.Parse(args);
        args.EnsureAllConsumed(maxPositionals: 0);
        return ServerConnection.RunAsync(Name, options, stderr, async client =>
        {
            // Deleting is idempotent on the server; a study that was not there is reported, not an error.
            bool deleted = await client.DeleteStudyAsync(studyId, cancellationToken);
            stdout.WriteLine(deleted ? $"deleted {studyId}" : $"{studyId} was not stored (nothing deleted)");
            return ExitCodes.Success;
        });
    }
}
