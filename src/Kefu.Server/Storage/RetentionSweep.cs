using Kefu.Dialogue;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Kefu.Server.Storage;

/// <summary>
/// The retention period (docs/privacy.md): once the server is ready and then every <see cref="KefuServerOptions.RetentionInterval"/>,
/// conversations whose newest event is older than <see cref="KefuServerOptions.Retention"/> are erased through the engine,
/// each under its lock and only if still idle then. Finding them reads one event per conversation.
/// </summary>
public sealed class RetentionSweep(KefuServerOptions options, IServiceProvider services, ServerReadiness readiness, ILogger<RetentionSweep> logger)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (options.Retention is null) return;
        try
        {
            while (!readiness.IsReady)
                await Task.Delay(TimeSpan.FromSeconds(1), stoppingToken);
            using var timer = new PeriodicTimer(options.RetentionInterval);
            do
            {
                try
                {
                    await SweepAsync(stoppingToken);
                }
                catch (Exception e) when (!stoppingToken.IsCancellationRequested)
                {
                    // The next sweep tries again; what failed is in the store's own words, no conversation named.
                    logger.LogError("Retention sweep failed: {Reason}", e.Message.ReplaceLineEndings(" "));
                }
            }
            while (await timer.WaitForNextTickAsync(stoppingToken));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>Erases the conversations idle longer than the retention period; returns how many.</summary>
    public async Task<int> SweepAsync(CancellationToken ct = default)
    {
        if (options.Retention is not { } retention) return 0;
        var cutoff = DateTimeOffset.UtcNow - retention;
        var chat = services.GetRequiredService<IChatService>();
        int erased = 0;
        foreach (var id in await services.GetRequiredService<IEventStore>().IdleSinceAsync(cutoff, ct))
            if (await chat.EraseAsync(id, cutoff, ct))
                erased++;
        // A count only: conversation ids may be personal too (a phone number as the sender id).
        if (erased > 0)
            logger.LogInformation("Retention: erased {Count} conversation(s) idle since {Cutoff:u}", erased, cutoff);
        return erased;
    }
}
