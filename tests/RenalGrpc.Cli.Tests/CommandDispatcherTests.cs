using RenalGrpc.Cli;

namespace RenalGrpc.Cli.Tests;

/// <summary>What `renal` does when a command fails in a way it did not anticipate.</summary>
public sealed class CommandDispatcherTests
{
    private sealed class FailingCommand : ICliCommand
    {
        public string Name => "fail";
        public string Summary => "throws";
        public string Usage => "usage: renal fail";
        public IReadOnlySet<string> Switches { get; } = new HashSet<string>();

        public Task<int> RunAsync(CliArguments args, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken) =>
            throw new InvalidOperationException("native call failed: Expected false to be true");
    }

    private static async Task<(int Code, string Stderr)> Run()
    {
        var stderr = new StringWriter();
        int code = await CommandDispatcher.RunAsync(["fail"], new StringWriter(), stderr, [new FailingCommand()], CancellationToken.None);
        return (code, stderr.ToString());
    }

    [Fact]
    public async Task An_unexpected_error_is_one_line_and_exit_1_with_the_stack_trace_on_request()
    {
        var previous = Environment.GetEnvironmentVariable(CommandDispatcher.TraceVariable);
        try
        {
            Environment.SetEnvironmentVariable(CommandDispatcher.TraceVariable, null);
            var (code, stderr) = await Run();
            Assert.Equal(ExitCodes.Failure, code);
            Assert.StartsWith("renal fail: unexpected error (InvalidOperationException): native call failed", stderr);
            Assert.Contains("RENAL_TRACE=1", stderr);
            Assert.DoesNotContain("   at ", stderr);

            Environment.SetEnvironmentVariable(CommandDispatcher.TraceVariable, "1");
            (code, stderr) = await Run();
            Assert.Equal(ExitCodes.Failure, code);
            Assert.Contains("   at ", stderr);
            Assert.Contains(nameof(FailingCommand), stderr);
        }
        finally
        {
            Environment.SetEnvironmentVariable(CommandDispatcher.TraceVariable, previous);
        }
    }
}
