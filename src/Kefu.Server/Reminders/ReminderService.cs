using Kefu.Dialogue;
using Kefu.Dialogue.Tracking;
using Kefu.Server.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Kefu.Server.Reminders;

/// <summary>
/// Fires the reminders conversations schedule (Rasa's ReminderScheduled, sent by custom actions or POSTed as events):
/// at its time, each goes to the engine (<see cref="IConversationControl.FireReminderAsync"/>), which runs its intent
/// as trigger_intent does unless the stored conversation has cancelled, killed or already fired it. The schedule lives in
/// memory and is rebuilt from the store when the server starts (reminders that came due while it was down fire then), so
/// nothing a conversation acknowledged is lost; with several replicas, the one that stored a reminder and every one that
/// starts later schedule it, and the conversation's lock and the fired mark let one fire it. The bot's messages are stored like any turn's: the web chat and
/// `/webhooks/rest/conversations/{id}/events` show them, platform channels do not receive them.
/// </summary>
public sealed class ReminderService(IServiceProvider services, ServerReadiness readiness, StoreCheck storeCheck, ILogger<ReminderService> logger)
    : BackgroundService, IReminderScheduler
{
    private readonly ReminderClock clock = new();
    private readonly TaskCompletionSource recovered = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes once the store's pending reminders are scheduled (or could not be read, or the store failed its check).</summary>
    public Task Recovered => recovered.Task;

    /// <summary>Reminders waiting in memory (tests, logs).</summary>
    public int Scheduled => clock.Count;

    public void Stored(string conversationId, IReadOnlyList<DialogueEvent> events) => clock.Stored(conversationId, events);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            // a store that failed its start-up check is not read again (the server does not serve from it)
            if (await storeCheck.Completion.WaitAsync(stoppingToken) is not null)
                return;
            while (!readiness.IsReady)
                await Task.Delay(TimeSpan.FromMilliseconds(200), stoppingToken);
            try
            {
                await RecoverAsync(stoppingToken);
            }
            finally
            {
                recovered.TrySetResult();
            }
            await clock.RunAsync(FireAsync, stoppingToken);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        finally
        {
            recovered.TrySetResult();
        }
    }

    private async Task FireAsync(string conversationId, ReminderScheduled reminder, CancellationToken ct)
    {
        try
        {
            var control = (IConversationControl)services.GetRequiredService<IChatService>();
            var said = await control.FireReminderAsync(conversationId, reminder, ct);
            logger.LogInformation(said is null ? "Reminder {Name} ({Intent}) no longer pending; not fired" : "Reminder {Name} ({Intent}) fired",
                reminder.Name, reminder.Intent);
        }
        catch (Exception e) when (!ct.IsCancellationRequested)
        {
            // Not lost: the conversation still has it pending, and the next start schedules it again.
            logger.LogError(e, "Reminder {Name} ({Intent}) could not fire; it stays pending until the server restarts", reminder.Name, reminder.Intent);
        }
    }

    /// <summary>The pending reminders of every stored conversation; only conversations with a "reminder" event are read whole.</summary>
    private async Task RecoverAsync(CancellationToken ct)
    {
        var store = services.GetRequiredService<IEventStore>();
        int found = 0;
        try
        {
            foreach (var id in await store.ListConversationsAsync(ct))
            {
                bool any = false;
                await foreach (var e in store.ReadAsync(id, 0, ct))
                    if (e.Type == "reminder") { any = true; break; }
                if (!any) continue;
                var events = (await store.LoadAsync(id, ct)).Select(RasaEventJson.FromStored);
                foreach (var reminder in Kefu.Dialogue.Reminders.Pending(events))
                {
                    clock.Schedule(id, reminder);
                    found++;
                }
            }
            if (found > 0) logger.LogInformation("Reminders: {Count} pending in the store, scheduled", found);
        }
        catch (Exception e) when (!ct.IsCancellationRequested)
        {
            logger.LogError("Reminders could not be read from the store: {Reason}; those scheduled before this start fire after the next one",
                e.Message.ReplaceLineEndings(" "));
        }
    }

    public override void Dispose()
    {
        clock.Dispose();
        base.Dispose();
    }
}
