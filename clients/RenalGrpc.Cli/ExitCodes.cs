namespace RenalGrpc.Cli;

/// <summary>Process exit codes; scripts depend on them, so they never change meaning.</summary>
internal static class ExitCodes
{
    public const int Success = 0;
    public const int Failure = 1;
    public const int BadInput = 2;
    public const int RefusedByServer = 3;
    public const int ServerUnreachable = 4;
}

/// <summary>A user error: bad arguments or unreadable input. Printed without a stack trace, exit code 2.</summary>
internal sealed class CliUsageException(string message) : Exception(message);
