using Kefu.Dialogue.Tracking;

namespace Kefu.Dialogue;

/// <summary>Told of every event the engine stores, so that the reminders among them are scheduled (the server's reminder service).</summary>
public interface IReminderScheduler
{
    void Stored(string conversationId, IReadOnlyList<DialogueEvent> events);
}

/// <summary>
/// Which reminders of a conversation are still to fire, read from its events alone (so a restarted server, or another
/// replica, finds the same ones): Rasa's processor rules (_is_reminder_still_valid, _has_message_after_reminder and the
/// scheduler's cancellation) as a fold over the applied events.
/// </summary>
public static class Reminders
{
    private const string MessageIdPrefix = "reminder:";

    /// <summary>The message id of the user message a reminder makes when it fires: what marks it as fired.</summary>
    public static string MessageId(ReminderScheduled reminder) => MessageIdPrefix + reminder.Name;

    /// <summary>
    /// Pending after <paramref name="events"/> (a whole conversation, in order): scheduled since the last restart or
    /// session start (Rasa's applied events), not replaced by a later one of the same name, not cancelled, not fired,
    /// and — when <see cref="ReminderScheduled.KillOnUserMessage"/> — with no user message after it.
    /// </summary>
    public static List<ReminderScheduled> Pending(IEnumerable<DialogueEvent> events)
    {
        var pending = new List<ReminderScheduled>();
        foreach (var e in Tracker.Applied(events))
        {
            switch (e)
            {
                case ReminderScheduled r:
                    pending.RemoveAll(p => p.Name == r.Name);
                    pending.Add(r);
                    break;
                case ReminderCancelled c:
                    pending.RemoveAll(p => Cancels(c, p));
                    break;
                case UserUttered u:
                    if (u.MessageId is { } id) pending.RemoveAll(p => MessageId(p) == id);
                    if (u.Text.Length > 0) pending.RemoveAll(p => p.KillOnUserMessage);
                    break;
            }
        }
        return pending;
    }

    /// <summary>Rasa's ReminderCancelled.cancels_job_with_name: by name, else by intent (when given) and entities.</summary>
    public static bool Cancels(ReminderCancelled cancel, ReminderScheduled reminder) =>
        cancel.Name is not null
            ? cancel.Name == reminder.Name
            : (cancel.Intent is null || cancel.Intent == reminder.Intent)
              && cancel.Entities.All(c => reminder.Entities.Any(r => r.Entity == c.Entity && r.Value == c.Value));
}
