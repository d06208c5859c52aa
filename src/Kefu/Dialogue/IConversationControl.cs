using Kefu.Dialogue.Tracking;
using Kefu.Nlu;
using Kefu.Projects;

namespace Kefu.Dialogue;

/// <summary>
/// The next action the policies would run, without running it (Rasa's POST /conversations/{id}/predict).
/// <paramref name="Scores"/>: every action of the domain with its score, best first, as Rasa's server sorts them.
/// </summary>
public sealed record ActionScores(IReadOnlyList<(string Action, float Score)> Scores, string Policy, float Confidence);

/// <summary>
/// What Rasa's HTTP API does to a conversation besides messages (rasa/server.py: tracker/events, trigger_intent,
/// execute, predict). Every call takes the conversation's lock and goes through the engine, so the store and the
/// tracker the engine keeps in memory stay the same conversation; events are stored before the task completes.
/// </summary>
public interface IConversationControl
{
    Domain Domain { get; }

    /// <summary>The loaded NLU (POST /model/test/intents evaluates it).</summary>
    IMessageParser Nlu { get; }

    /// <summary>The loaded dialogue policies (POST /model/test/stories evaluates them).</summary>
    Policies.PolicyEnsemble Policies { get; }

    /// <summary>True for an action the engine can run: built-in, custom, a response, a form.</summary>
    bool HasAction(string name);

    /// <summary>Rasa's append_events: the events are added to the tracker as they are; nothing runs.</summary>
    Task AppendEventsAsync(string conversationId, IReadOnlyList<DialogueEvent> events, CancellationToken ct = default);

    /// <summary>
    /// Rasa's replace_events: the state becomes the fold of <paramref name="events"/> alone. The store is append-only, so
    /// a conversation that has events gets a "restart" (and a "session_started" when the given events do not begin a
    /// session) before them: its history stays stored, the default AFTER_RESTART view shows the given events.
    /// </summary>
    Task ReplaceEventsAsync(string conversationId, IReadOnlyList<DialogueEvent> events, CancellationToken ct = default);

    /// <summary>
    /// Rasa's trigger_external_user_uttered: a user message "EXTERNAL: {intent}" with that intent (confidence 1) and the
    /// entities, then a turn as for a message (slot mappings, policies, actions); returns the bot's messages.
    /// </summary>
    Task<IReadOnlyList<BotMessage>> TriggerIntentAsync(string conversationId, string intent, IReadOnlyList<EntitySpan> entities,
        CancellationToken ct = default);

    /// <summary>
    /// Rasa's handle_reminder: when the stored conversation still has <paramref name="reminder"/> pending
    /// (<see cref="Reminders.Pending"/>), a turn as for <see cref="TriggerIntentAsync"/> with its intent and entities, whose
    /// message marks it fired; returns the bot's messages, or null when the reminder was cancelled, killed or already fired.
    /// </summary>
    Task<IReadOnlyList<BotMessage>?> FireReminderAsync(string conversationId, ReminderScheduled reminder, CancellationToken ct = default);

    /// <summary>Rasa's MessageProcessor.execute_action: runs the one action (no prediction after it); returns its messages.</summary>
    Task<IReadOnlyList<BotMessage>> ExecuteActionAsync(string conversationId, string action, string? policy, float? confidence,
        CancellationToken ct = default);

    /// <summary>The policies' choice for the conversation as it is; nothing is run or stored.</summary>
    Task<ActionScores> PredictAsync(string conversationId, CancellationToken ct = default);
}
