using Kefu.Dialogue;
using Kefu.Dialogue.Tracking;

namespace Kefu.Generation.CausalLm;

/// <summary>
/// (context, response) pairs from Kefu's stored conversations, the shape <see cref="StoryPairs"/> gives for stories: each
/// customer message paired with the texts that answered it up to the next customer message, the bot's and the human
/// agents' alike, joined by a line break. Left out: bot messages the customer voted 👎 (their latest vote), messages
/// without text, and customer messages that are intent payloads ("/greet": buttons and scripts, not words). What the
/// store holds is already redacted (docs/privacy.md), so masked personal data stays masked ([phone]). Identical pairs
/// count once.
/// </summary>
public static class ConversationPairs
{
    public static async Task<IReadOnlyList<ResponsePair>> ReadAsync(IEventStore store, string where, CancellationToken ct = default)
    {
        var pairs = new List<ResponsePair>();
        var seen = new HashSet<(string, string)>();
        foreach (var id in (await store.ListConversationsAsync(ct).ConfigureAwait(false)).Order(StringComparer.Ordinal))
            foreach (var pair in Of(id, await store.LoadAsync(id, ct).ConfigureAwait(false)))
                if (seen.Add((pair.Context, pair.Responses[0])))
                    pairs.Add(pair);
        if (pairs.Count == 0)
            throw new InvalidDataException($"{where}: its conversations give no (customer text, reply text) pairs.");
        return pairs;
    }

    /// <summary>One conversation's pairs, in order; Source is "conversation ID, event N" (the customer message's index).</summary>
    public static IEnumerable<ResponsePair> Of(string conversationId, IReadOnlyList<StoredEvent> stored)
    {
        var events = new DialogueEvent[stored.Count];
        var votedDown = new HashSet<int>();
        for (int i = 0; i < stored.Count; i++)
        {
            try
            {
                events[i] = RasaEventJson.FromStored(stored[i]);
            }
            catch (Exception e) when (e is FormatException or System.Text.Json.JsonException or ArgumentException)
            {
                throw new InvalidDataException($"conversation {conversationId}, event {i} ({stored[i].Type}): {e.Message}", e);
            }
            if (events[i] is MessageFeedback vote)
            {
                if (vote.Up) votedDown.Remove(vote.MessageIndex);
                else votedDown.Add(vote.MessageIndex);
            }
        }

        string? context = null;
        int contextIndex = 0;
        var replies = new List<string>();
        for (int i = 0; i <= events.Length; i++)
        {
            var e = i < events.Length ? events[i] : null;
            if (e is UserUttered or null)
            {
                if (context is not null && replies.Count > 0)
                    yield return new ResponsePair(context, [string.Join('\n', replies)], $"conversation {conversationId}, event {contextIndex}");
                replies.Clear();
                context = e is UserUttered { Text: var text } && !string.IsNullOrWhiteSpace(text) && !text.StartsWith('/') ? text.Trim() : null;
                contextIndex = i;
            }
            else if (e is BotUttered { Message.Text: { } bot } && !string.IsNullOrWhiteSpace(bot) && !votedDown.Contains(i))
                replies.Add(bot.Trim());
            else if (e is AgentUttered { Text: var agent } && !string.IsNullOrWhiteSpace(agent))
                replies.Add(agent.Trim());
        }
    }
}
