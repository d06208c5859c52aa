using System.Text.Json;
using Kefu.Dialogue.Tracking;

namespace Kefu.Dialogue;

/// <summary>What became of a thumbs vote or a rating (see <see cref="ConversationFeedback"/>).</summary>
public enum FeedbackOutcome
{
    /// <summary>Stored as a new event: the first of its kind, or a changed one.</summary>
    Stored,
    /// <summary>The same as the latest one stored: acknowledged, nothing stored.</summary>
    Unchanged,
    /// <summary>The conversation has no events.</summary>
    UnknownConversation,
    /// <summary>The conversation has no event at the vote's message index.</summary>
    UnknownMessage,
    /// <summary>The event at the vote's message index is not a bot message ("bot").</summary>
    NotBotMessage,
}

/// <summary>
/// The rules for customer feedback, shared by every engine: a thumbs vote (<see cref="MessageFeedback"/>) names a
/// "bot" event of the conversation by its index; a vote equal to the latest one for that message, or a rating
/// (<see cref="ConversationRated"/>) equal to the latest rating (stars and comment), is acknowledged without storing a
/// second event; a changed one is stored, and the latest counts. Reads the store, newest first, back to the rated
/// message (a rating: the whole conversation); the caller holds the conversation's lock and passes its event count.
/// </summary>
public static class ConversationFeedback
{
    public static async Task<FeedbackOutcome> CheckAsync(IEventStore store, string conversationId, int count, DialogueEvent feedback,
        CancellationToken ct = default)
    {
        if (count == 0)
            return FeedbackOutcome.UnknownConversation;
        switch (feedback)
        {
            case MessageFeedback vote:
                if (vote.MessageIndex >= count)
                    return FeedbackOutcome.UnknownMessage;
                await foreach (var target in store.ReadAsync(conversationId, vote.MessageIndex, ct).ConfigureAwait(false))
                {
                    if (target.Type != "bot")
                        return FeedbackOutcome.NotBotMessage;
                    break;
                }
                var index = count;
                await foreach (var e in store.ReadBackwardAsync(conversationId, count, ct).ConfigureAwait(false))
                {
                    if (--index <= vote.MessageIndex)
                        break;
                    if (e.Type == "feedback" && Read(e) is MessageFeedback latest && latest.MessageIndex == vote.MessageIndex)
                        return latest.Up == vote.Up ? FeedbackOutcome.Unchanged : FeedbackOutcome.Stored;
                }
                return FeedbackOutcome.Stored;
            case ConversationRated rating:
                await foreach (var e in store.ReadBackwardAsync(conversationId, count, ct).ConfigureAwait(false))
                    if (e.Type == "rating" && Read(e) is ConversationRated latest)
                        return latest.Stars == rating.Stars && latest.Comment == rating.Comment ? FeedbackOutcome.Unchanged : FeedbackOutcome.Stored;
                return FeedbackOutcome.Stored;
            default:
                throw new ArgumentException($"{feedback.GetType().Name} is not customer feedback", nameof(feedback));
        }
    }

    /// <summary>A stored event that does not read as its type (written by hand, an older version) counts as no vote.</summary>
    private static DialogueEvent? Read(StoredEvent e)
    {
        try
        {
            return RasaEventJson.FromStored(e);
        }
        catch (Exception ex) when (ex is FormatException or JsonException)
        {
            return null;
        }
    }
}
