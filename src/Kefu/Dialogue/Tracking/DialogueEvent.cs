using System.Text.Json;
using Kefu.Nlu;

namespace Kefu.Dialogue.Tracking;

/// <summary>
/// Everything that happens in a conversation is an immutable event; the tracker's state is a fold over
/// them (Rasa's tracker events, same names in JSON: see <see cref="RasaEventJson"/>).
/// </summary>
public abstract record DialogueEvent
{
    public DateTimeOffset Timestamp { get; init; } = DateTimeOffset.UtcNow;
}

/// <summary>"user": a customer's message with what the NLU understood of it.</summary>
public sealed record UserUttered(string Text, NluParse? Parse, string? InputChannel = null, string? MessageId = null) : DialogueEvent;

/// <summary>"bot": a message the bot sent.</summary>
public sealed record BotUttered(BotMessage Message, string? Response = null) : DialogueEvent;

/// <summary>"action": an action ran, chosen by a policy with a confidence.</summary>
public sealed record ActionExecuted(string Name, string? Policy = null, float? Confidence = null) : DialogueEvent;

/// <summary>"slot": a slot took a value (null clears it).</summary>
public sealed record SlotSet(string Name, JsonElement? Value) : DialogueEvent;

/// <summary>"active_loop": a form became active, or none (null) is.</summary>
public sealed record ActiveLoopSet(string? Name) : DialogueEvent;

/// <summary>"loop_interrupted": the user left the active form for another topic (it resumes later).</summary>
public sealed record LoopInterrupted(bool IsInterrupted) : DialogueEvent;

/// <summary>"action_execution_rejected": an action (a form) refused to run; policies choose again.</summary>
public sealed record ActionExecutionRejected(string Name) : DialogueEvent;

/// <summary>"session_started": a new session; slots carried over are set again after it.</summary>
public sealed record SessionStarted : DialogueEvent;

/// <summary>"restart": forget everything before this event.</summary>
public sealed record Restarted : DialogueEvent;

/// <summary>"rewind": undo the last user message and everything after it (action_back, two-stage fallback).</summary>
public sealed record UserUtteranceReverted : DialogueEvent;

/// <summary>"undo": undo the last action and everything after it.</summary>
public sealed record ActionReverted : DialogueEvent;

/// <summary>"reset_slots": every slot back to its initial value.</summary>
public sealed record AllSlotsReset : DialogueEvent;

/// <summary>"followup": the next action is fixed, without asking the policies.</summary>
public sealed record FollowupAction(string Name) : DialogueEvent;

/// <summary>"pause" / "resume": the bot stops or starts answering (human handoff uses these).</summary>
public sealed record ConversationPaused(string? Reason = null) : DialogueEvent;

public sealed record ConversationResumed : DialogueEvent;

/// <summary>"agent": a human agent's message during a handoff (Kefu's own event).</summary>
public sealed record AgentUttered(string Agent, string Text) : DialogueEvent;

/// <summary>
/// "feedback": the customer's thumbs up (<paramref name="Up"/>) or down on the bot message at event index
/// <paramref name="MessageIndex"/> of the conversation (Kefu's own event; the latest for a message counts). Folds to nothing.
/// </summary>
public sealed record MessageFeedback(int MessageIndex, bool Up) : DialogueEvent;

/// <summary>"rating": the customer's 1–5 stars for the conversation, with an optional comment (Kefu's own event; the latest counts). Folds to nothing.</summary>
public sealed record ConversationRated(int Stars, string? Comment = null) : DialogueEvent;

/// <summary>
/// "experiment": the conversation joined arm <paramref name="Arm"/> of A/B experiment <paramref name="Experiment"/>,
/// served by model version <paramref name="Version"/> (Kefu's own event, docs/experiments.md). Folds to nothing.
/// </summary>
public sealed record ExperimentJoined(string Experiment, string Arm, string Version) : DialogueEvent;

/// <summary>
/// "reminder" (Rasa's ReminderScheduled): at <paramref name="TriggerAt"/> the bot handles <paramref name="Intent"/> with
/// <paramref name="Entities"/> as if the user had sent it — unless a "cancel_reminder" matches it first, or the user wrote
/// after it and <paramref name="KillOnUserMessage"/>. Folds to nothing; <see cref="Reminders"/> reads what is pending.
/// </summary>
public sealed record ReminderScheduled(string Intent, DateTimeOffset TriggerAt, IReadOnlyList<Nlu.EntitySpan> Entities, string Name,
    bool KillOnUserMessage = true) : DialogueEvent;

/// <summary>
/// "cancel_reminder" (Rasa's ReminderCancelled): cancels the earlier reminders named <paramref name="Name"/>; without a name,
/// those of <paramref name="Intent"/> (when given) whose entities include <paramref name="Entities"/>. Folds to nothing.
/// </summary>
public sealed record ReminderCancelled(string? Name, string? Intent, IReadOnlyList<Nlu.EntitySpan> Entities) : DialogueEvent;
