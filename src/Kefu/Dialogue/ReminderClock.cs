using Kefu.Dialogue.Tracking;

namespace Kefu.Dialogue;

/// <summary>
/// The reminders waiting to fire, in time order, and the loop that hands each to <c>fire</c> when it is due (the server's
/// reminder service and `kefu shell` run one). Only a schedule: whether a reminder is still pending when it is due is the
/// engine's to check (<see cref="IConversationControl.FireReminderAsync"/>), so scheduling one twice is harmless.
/// </summary>
public sealed class ReminderClock : IReminderScheduler, IDisposable
{
    /// <summary>The longest single wait: a later reminder is looked at again then (Task.Delay's limit is 49 days).</summary>
    private static readonly TimeSpan LongestWait = TimeSpan.FromHours(1);

    private readonly PriorityQueue<(string Conversation, ReminderScheduled Reminder), DateTimeOffset> queue = new();
    private readonly Lock gate = new();
    private readonly SemaphoreSlim changed = new(0);

    /// <summary>Reminders waiting.</summary>
    public int Count
    {
        get { lock (gate) return queue.Count; }
    }

    public void Stored(string conversationId, IReadOnlyList<DialogueEvent> events)
    {
        foreach (var e in events)
            if (e is ReminderScheduled reminder) Schedule(conversationId, reminder);
    }

    public void Schedule(string conversationId, ReminderScheduled reminder)
    {
        lock (gate) queue.Enqueue((conversationId, reminder), reminder.TriggerAt);
        changed.Release();
    }

    /// <summary>Fires the reminders as they come due, one at a time, until <paramref name="ct"/> is cancelled (then returns).</summary>
    public async Task RunAsync(Func<string, ReminderScheduled, CancellationToken, Task> fire, CancellationToken ct)
    {
        try
        {
            while (!ct.IsCancellationRequested)
            {
                (string Conversation, ReminderScheduled Reminder)? due = null;
                var wait = LongestWait;
                lock (gate)
                {
                    if (queue.TryPeek(out _, out var at))
                    {
                        var left = at - DateTimeOffset.UtcNow;
                        if (left <= TimeSpan.Zero) due = queue.Dequeue();
                        else if (left < wait) wait = left;
                    }
                }
                if (due is { } d) await fire(d.Conversation, d.Reminder, ct).ConfigureAwait(false);
                else await changed.WaitAsync(wait, ct).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
    }

    public void Dispose() => changed.Dispose();
}
