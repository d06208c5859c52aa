using System.Text.Json;
using Kefu.Nlu;

namespace Kefu.Dialogue;

/// <summary>
/// A message from the bot in the shape of Rasa's REST channel (text, image, buttons or custom). Response names the domain
/// response it was rendered from (its BotUttered event's Response, stored as metadata.utter_action): set on the replies a
/// turn returns, so that a channel can pass it on (the REST channel's `response`); null inside events.
/// </summary>
public sealed record BotMessage(
    string? Text = null,
    string? Image = null,
    IReadOnlyList<BotButton>? Buttons = null,
    JsonElement? Custom = null,
    string? Response = null);

public sealed record BotButton(string Title, string Payload);

/// <summary>
/// A tracker without its events: Rasa's tracker JSON with "events" left out (<paramref name="State"/>), and how many
/// events the conversation had then. Events [0, EventCount) are in the event store, for a caller to read page by page:
/// a long conversation is never built into one JSON document.
/// </summary>
public sealed record TrackerHead(JsonElement State, int EventCount);

/// <summary>
/// The dialogue engine as channels see it. Implementations handle the messages of one conversation
/// one at a time, in arrival order, and persist a turn's events before returning its replies.
/// </summary>
public interface IChatService
{
    Task<IReadOnlyList<BotMessage>> HandleMessageAsync(string conversationId, string text,
        JsonElement? metadata = null, CancellationToken ct = default);

    /// <summary>
    /// Adds a user message to the conversation without running a turn (Rasa's POST
    /// /conversations/{id}/messages): a new session is started when one is due, then the message is
    /// logged with <paramref name="parse"/>, or with the NLU's parse when that is null. No slot is
    /// extracted and no action runs, paused or not; the events are stored before the task completes.
    /// </summary>
    Task RecordUserMessageAsync(string conversationId, string text, NluParse? parse = null, CancellationToken ct = default);

    NluParse Parse(string text);

    /// <summary>
    /// <see cref="Parse(string)"/> with relative times (明天, in 2 hours) counted from <paramref name="referenceTime"/>
    /// (POST /model/parse's reference_time); engines without time entities ignore it.
    /// </summary>
    NluParse Parse(string text, DateTimeOffset referenceTime) => Parse(text);

    /// <summary>The conversation in Rasa's tracker JSON shape (sender_id, slots, latest_message, events, ...).</summary>
    Task<JsonElement> GetTrackerAsync(string conversationId, CancellationToken ct = default);

    /// <summary>The tracker's state and its number of events, at one moment (see <see cref="TrackerHead"/>).</summary>
    async Task<TrackerHead> GetTrackerHeadAsync(string conversationId, CancellationToken ct = default)
    {
        var tracker = await GetTrackerAsync(conversationId, ct).ConfigureAwait(false);
        var count = tracker.TryGetProperty("events", out var events) && events.ValueKind == JsonValueKind.Array ? events.GetArrayLength() : 0;
        return new TrackerHead(Tracking.TrackerJson.WithoutEvents(tracker), count);
    }

    /// <summary>Human handoff: a human agent's message, stored in the conversation and returned to the customer's channel.</summary>
    Task AgentMessageAsync(string conversationId, string agent, string text, CancellationToken ct = default);

    /// <summary>Ends a handoff: the bot takes the conversation back.</summary>
    Task HandBackAsync(string conversationId, CancellationToken ct = default);

    /// <summary>
    /// A bot message outside a turn (the agent console's queue and offline notices, docs/agents.md): the domain's
    /// <paramref name="response"/> when it has one, its `{name}` placeholders filled from <paramref name="values"/> and
    /// then the slots, else <paramref name="otherwise"/>; stored as the bot's, under the conversation's lock, for the
    /// customer's poll, only while the conversation is handed off (a notice about waiting is moot once the bot has it
    /// back). Nothing is predicted.
    /// </summary>
    Task SayAsync(string conversationId, string response, IReadOnlyDictionary<string, string> values, string otherwise,
        CancellationToken ct = default) =>
        throw new NotSupportedException($"{GetType().Name} cannot send a bot message outside a turn");

    /// <summary>
    /// Customer feedback (a <see cref="Tracking.MessageFeedback"/> or a <see cref="Tracking.ConversationRated"/>), checked by
    /// <see cref="ConversationFeedback"/>'s rules under the conversation's lock and stored before the task completes when
    /// the outcome is <see cref="FeedbackOutcome.Stored"/>. Nothing is predicted: feedback never changes the dialogue.
    /// </summary>
    Task<FeedbackOutcome> RecordFeedbackAsync(string conversationId, Tracking.DialogueEvent feedback, CancellationToken ct = default);

    /// <summary>
    /// Erases the conversation (an erasure request, DELETE /conversations/{id}): its stored events and what the engine
    /// keeps of it in memory, under its lock, so a running turn cannot write it back. An unknown one is no error. With
    /// <paramref name="idleBefore"/> (the retention period) only when its newest event, read under the lock, is older.
    /// Returns whether it erased.
    /// </summary>
    Task<bool> EraseAsync(string conversationId, DateTimeOffset? idleBefore = null, CancellationToken ct = default) =>
        throw new NotSupportedException($"{GetType().Name} cannot erase conversations");
}
