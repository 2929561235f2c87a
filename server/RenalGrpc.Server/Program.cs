using Microsoft.Extensions.Options;
using RenalGrpc.Server.Hosting;

try
{
    await using var host = await RenalServerHost.StartAsync(args);
    Console.Out.WriteLine($"RenalGrpc server listening on {host.Address}");
    Console.Out.Flush();
    await host.App.WaitForShutdownAsync();
    return 0;
}
catch (OptionsValidationException e)
{
    Console.Error.WriteLine($"renal server: invalid settings: {string.Join("; ", e.Failures)}");
    return 2;
}
