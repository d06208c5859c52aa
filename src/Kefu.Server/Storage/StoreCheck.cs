using Kefu.Dialogue;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Kefu.Server.Storage;

/// <summary>
/// Opens the conversation store (and the lock store, when endpoints.yml names one) when the server starts and checks it
/// (a SQLite file: the schema version and <c>PRAGMA quick_check</c>; PostgreSQL: reachable, schema migrated), beside the model loading and without holding up /healthz: a large file takes a second
/// per few hundred MB. A store that fails makes the server not ready for good, said in one log line; `kefu serve`
/// waits for <see cref="Completion"/> before it reports ready and exits with 1 on a problem.
/// </summary>
public sealed class StoreCheck(IServiceProvider services, ServerReadiness readiness, ILogger<StoreCheck> logger) : IHostedService
{
    private readonly TaskCompletionSource<string?> _done = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>What is wrong with the store, in one line, once checked; null when nothing is.</summary>
    public Task<string?> Completion => _done.Task;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _ = Task.Run(Check, CancellationToken.None);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    private void Check()
    {
        string? problem;
        try
        {
            var store = services.GetRequiredService<IEventStore>();
            problem = (store is Agents.HandoffWatchingStore watched ? watched.Inner : store) is SqliteEventStore sqlite ? sqlite.CheckIntegrity() : null;
            // Connected now (PostgreSQL and Redis each retry with back-off first): a lock store that cannot be reached stops the start too.
            if (problem is null)
                services.GetService<IConversationLocks>();
        }
        catch (ConversationStoreException e)
        {
            problem = e.Message;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            problem = "cannot open the conversation store: " + e.Message.ReplaceLineEndings(" ");
        }
        if (problem is not null)
        {
            readiness.MarkStoreFailed(problem);
            logger.LogCritical("Not ready: {Problem}", problem);
        }
        _done.SetResult(problem);
    }
}
