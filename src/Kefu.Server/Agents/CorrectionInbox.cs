using System.Text.Json;
using Kefu.Dialogue;

namespace Kefu.Server.Agents;

/// <summary>
/// An entity as the NLU read it, or as a trainer labels it: Start and End index the message text; Extractor is the
/// NLU's (Rasa's `extractor`), e.g. DucklingEntityExtractor, whose entities are not training annotations.
/// </summary>
public sealed record InboxEntity(string Entity, string Value, int? Start = null, int? End = null, string? Extractor = null);

/// <summary>
/// A user message the bot was unsure of (docs/agents.md, "Correction inbox"). Reasons: "low_confidence" (below the
/// threshold), "fallback" (nlu_fallback, or action_default_fallback / action_two_stage_fallback ran before the next
/// user message), "negative_feedback" (a 👎 on a bot reply to it), "handoff" (a pause followed it). Before and After
/// are the nearest user, bot or agent texts around it. Decision is the stored one, if any. InProject: the intents the
/// same text already has in the project's NLU data (a duplicate, or a conflict when another), set by the route.
/// </summary>
public sealed record InboxItem(
    string ConversationId, int Index, string Text, DateTimeOffset At, string? Intent, double? Confidence,
    IReadOnlyList<InboxEntity> Entities, IReadOnlyList<string> Reasons, string? Before, string? After, CorrectionDecision? Decision)
{
    public IReadOnlyList<string> InProject { get; init; } = [];
}

/// <summary>
/// Computed on request from the event store, no cache: every conversation is read (one at a time) at each call, so the
/// cost grows with the store; paging cuts what is sent, not what is read.
/// </summary>
public static class CorrectionInbox
{
    public const double DefaultThreshold = 0.6;

    private static readonly HashSet<string> FallbackActions = new(StringComparer.Ordinal) { "action_default_fallback", "action_two_stage_fallback" };

    /// <summary>The inbox items of one conversation, in message order.</summary>
    public static List<InboxItem> Scan(string conversationId, IReadOnlyList<StoredEvent> events, double threshold,
        IReadOnlyDictionary<(string, int), CorrectionDecision> decisions)
    {
        var items = new List<InboxItem>();
        var downVoted = new HashSet<int>();
        foreach (var e in events)
            if (e.Type == "feedback")
            {
                using var json = JsonDocument.Parse(e.Utf8Json);
                if (Int(json.RootElement, "message_index") is { } index)
                {
                    // The latest vote on a message counts: an up after a down takes the down back.
                    if (String(json.RootElement, "value") == "down") downVoted.Add(index);
                    else downVoted.Remove(index);
                }
            }
        for (var i = 0; i < events.Count; i++)
        {
            if (events[i].Type != "user")
                continue;
            var user = Read(events[i]);
            var reasons = new List<string>();
            if (user.Confidence is { } confidence && confidence < threshold)
                reasons.Add("low_confidence");
            var fallback = user.Intent == "nlu_fallback";
            var handoff = false;
            var down = false;
            string? after = null;
            for (var j = i + 1; j < events.Count && events[j].Type != "user"; j++)
            {
                switch (events[j].Type)
                {
                    case "action":
                        fallback |= FallbackActions.Contains(Read(events[j]).Name ?? "");
                        break;
                    case "pause":
                        handoff = true;
                        break;
                    case "bot" or "agent":
                        after ??= Read(events[j]).Text;
                        down |= downVoted.Contains(j);
                        break;
                }
            }
            if (fallback) reasons.Add("fallback");
            if (down) reasons.Add("negative_feedback");
            if (handoff) reasons.Add("handoff");
            if (reasons.Count == 0 || string.IsNullOrWhiteSpace(user.Text))
                continue;
            string? before = null;
            for (var j = i - 1; j >= 0 && before is null; j--)
                if (events[j].Type is "user" or "bot" or "agent")
                    before = Read(events[j]).Text;
            items.Add(new InboxItem(conversationId, i, user.Text, events[i].Timestamp, user.Intent, user.Confidence, user.Entities,
                reasons, before, after, decisions.GetValueOrDefault((conversationId, i))));
        }
        return items;
    }

    /// <summary>
    /// The text of every user message in the store, conversation by conversation, for self-training
    /// (`kefu data augment --from-conversations`); intent triggers (/greet, Rasa's payloads of buttons) are not what customers typed and are left out.
    /// </summary>
    public static async Task<List<string>> UserTextsAsync(IEventStore store, CancellationToken ct)
    {
        var texts = new List<string>();
        foreach (var id in await store.ListConversationsAsync(ct))
        {
            var events = await store.LoadAsync(id, ct);
            for (int i = 0; i < events.Count; i++)
                if (Message(id, events, i) is { } message && !message.Text.TrimStart().StartsWith('/')) texts.Add(message.Text);
        }
        return texts;
    }

    /// <summary>The user message at <paramref name="index"/> as the inbox shows it; null when that event is not a user message with text.</summary>
    public static InboxItem? Message(string conversationId, IReadOnlyList<StoredEvent> events, int index)
    {
        if (index < 0 || index >= events.Count || events[index].Type != "user")
            return null;
        var user = Read(events[index]);
        return string.IsNullOrWhiteSpace(user.Text) ? null
            : new InboxItem(conversationId, index, user.Text, events[index].Timestamp, user.Intent, user.Confidence, user.Entities, [], null, null, null);
    }

    /// <summary>
    /// The bot's last message before the event at <paramref name="index"/> as NLU context (<see cref="Kefu.Nlu.NluExample.ContextOf"/>:
    /// its response, utter_action, or its text); null when the bot had said nothing.
    /// </summary>
    public static string? PreviousBotMessage(IReadOnlyList<StoredEvent> events, int index)
    {
        for (int j = Math.Min(index, events.Count) - 1; j >= 0; j--)
        {
            if (events[j].Type != "bot") continue;
            using var json = JsonDocument.Parse(events[j].Utf8Json);
            var root = json.RootElement;
            string? response = root.TryGetProperty("metadata", out var metadata) && metadata.ValueKind == JsonValueKind.Object
                ? String(metadata, "utter_action") : null;
            return Kefu.Nlu.NluExample.ContextOf(response, String(root, "text"));
        }
        return null;
    }

    private sealed record Fields(string? Text, string? Name, string? Intent, double? Confidence, IReadOnlyList<InboxEntity> Entities);

    private static Fields Read(StoredEvent e)
    {
        using var json = JsonDocument.Parse(e.Utf8Json);
        var root = json.RootElement;
        string? intent = null;
        double? confidence = null;
        var entities = new List<InboxEntity>();
        if (root.TryGetProperty("parse_data", out var parse) && parse.ValueKind == JsonValueKind.Object)
        {
            if (parse.TryGetProperty("intent", out var i) && i.ValueKind == JsonValueKind.Object)
            {
                intent = String(i, "name");
                if (i.TryGetProperty("confidence", out var c) && c.ValueKind == JsonValueKind.Number)
                    confidence = Math.Round(c.GetDouble(), 4);
            }
            if (parse.TryGetProperty("entities", out var list) && list.ValueKind == JsonValueKind.Array)
                foreach (var entity in list.EnumerateArray())
                    if (String(entity, "entity") is { } name)
                        entities.Add(new InboxEntity(name, Value(entity), Int(entity, "start"), Int(entity, "end"), String(entity, "extractor")));
        }
        return new Fields(String(root, "text"), String(root, "name"), intent, confidence, entities);
    }

    private static string Value(JsonElement entity) =>
        entity.TryGetProperty("value", out var v) ? v.ValueKind == JsonValueKind.String ? v.GetString()! : v.GetRawText() : "";

    private static string? String(JsonElement e, string name) =>
        e.ValueKind == JsonValueKind.Object && e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    private static int? Int(JsonElement e, string name) =>
        e.ValueKind == JsonValueKind.Object && e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number && v.TryGetInt32(out var n) ? n : null;
}
