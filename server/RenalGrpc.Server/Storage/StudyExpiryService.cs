using Microsoft.Extensions.Hosting;

namespace RenalGrpc.Server.Storage;

/// <summary>Removes idle studies periodically; the period scales with the TTL so short test TTLs expire promptly.</summary>
public sealed class StudyExpiryService(StudyStore store, TimeProvider time) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var period = TimeSpan.FromTicks(Math.Clamp(store.Options.StudyTtl.Ticks / 4, TimeSpan.FromMilliseconds(100).Ticks, TimeSpan.FromSeconds(30).Ticks));
        using var timer = new PeriodicTimer(period, time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                store.ExpireIdle();
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // shutting down
        }
    }
}
