using System.Text;
using System.Text.Json;
using Kefu.Dialogue.Tracking;
using Kefu.Projects;

namespace Kefu.Dialogue.Responses;

/// <summary>
/// Turns a response (utter_*) into a message: keeps the variations whose slot conditions hold and whose
/// channel matches; conditional ones whose conditions hold win over unconditioned ones, and channel-specific
/// ones over generic ones (Rasa's _responses_for_utter_action); picks one, fills `{slot}` placeholders.
/// The pick is a hash of the conversation and its length: varied across turns, reproducible on replay.
/// </summary>
public sealed class ResponseRenderer(Domain domain)
{
    /// <summary>
    /// The messages of variations without a `{slot}`, made once: every cached conversation keeps its last turns'
    /// messages, and a shared one is not copied by each garbage collection that a conversation's own would survive.
    /// </summary>
    private readonly System.Collections.Concurrent.ConcurrentDictionary<ResponseVariation, BotMessage> fixedMessages =
        new(ReferenceEqualityComparer.Instance);

    public BotMessage? Render(string responseName, Tracker tracker, string? channel)
    {
        if (domain.FindResponse(responseName) is not { } response) return null;
        var candidates = Plain(response.Variations) ? response.Variations : Candidates(response.Variations, tracker.State, channel);
        if (candidates.Count == 0) return null;
        var pick = candidates[(int)((uint)StableHash(tracker.ConversationId, tracker.Events.Count) % (uint)candidates.Count)];
        if (fixedMessages.TryGetValue(pick, out var shared)) return shared;
        bool templated = pick.Text?.Contains('{') == true || pick.Image?.Contains('{') == true
            || pick.Buttons.Any(b => b.Title.Contains('{') || b.Payload.Contains('{'));
        return templated ? Message(pick, tracker.State) : fixedMessages.GetOrAdd(pick, Message(pick, null));
    }

    /// <summary>Whether every variation is for every channel and without conditions (most are): then all are candidates.</summary>
    private static bool Plain(IReadOnlyList<ResponseVariation> variations)
    {
        for (int i = 0; i < variations.Count; i++)
            if (variations[i].Conditions.Count > 0 || variations[i].Channel is not null) return false;
        return true;
    }

    private static IReadOnlyList<ResponseVariation> Candidates(IReadOnlyList<ResponseVariation> variations, TrackerState state, string? channel)
    {
        var conditional = variations.Where(v => v.Conditions.Count > 0 && v.Conditions.All(c => ConditionHolds(c, state))).ToList();
        var eligible = conditional.Count > 0 ? conditional : variations.Where(v => v.Conditions.Count == 0).ToList();
        var forChannel = eligible.Where(v => v.Channel is not null && v.Channel == channel).ToList();
        return forChannel.Count > 0 ? forChannel : eligible.Where(v => v.Channel is null).ToList();
    }

    /// <summary>
    /// The variation as a message, the placeholders of its text, image and buttons filled from <paramref name="state"/>
    /// (none when null), as Rasa's TemplatedNaturalLanguageGenerator fills them (custom payloads are left as they are).
    /// </summary>
    private static BotMessage Message(ResponseVariation pick, TrackerState? state)
    {
        string? Filled(string? template) => template is null || state is null ? template : Fill(template, state);
        return new(Filled(pick.Text), Filled(pick.Image),
            pick.Buttons.Count == 0 ? null : pick.Buttons.Select(b => new BotButton(Filled(b.Title)!, Filled(b.Payload)!)).ToList(),
            pick.Custom);
    }

    private static bool ConditionHolds(ResponseCondition c, TrackerState state)
    {
        var value = state.Slot(c.Slot);
        if (value is null || value.Value.ValueKind == JsonValueKind.Null) return c.Value.ValueKind == JsonValueKind.Null;
        return JsonElement.DeepEquals(value.Value, c.Value)
            || (value.Value.ValueKind == JsonValueKind.String && c.Value.ValueKind == JsonValueKind.String
                && string.Equals(value.Value.GetString(), c.Value.GetString(), StringComparison.OrdinalIgnoreCase));
    }

    /// <summary>
    /// Replaces `{slot}` with the slot's value (unknown or empty slots become "None"; `kefu data validate` reports a placeholder that names no slot) and `{{`, `}}` with `{`, `}`, as
    /// Rasa's interpolator (Python's str.format) does: `/inform{{"city": "{city}"}}` is a payload with the slot in it.
    /// Other braces stay: `/inform{"city": "Berlin"}` is unchanged.
    /// </summary>
    public static string Fill(string template, TrackerState state)
    {
        if (!template.Contains('{')) return template;
        var sb = new StringBuilder(template.Length);
        ResponseTemplate.Scan(template, text => sb.Append(text), p => sb.Append(state.SlotText(p.Name) ?? "None"));
        return sb.ToString();
    }

    private static int StableHash(string s, int salt)
    {
        unchecked
        {
            int h = (int)2166136261 ^ salt;
            foreach (var ch in s) h = (h ^ ch) * 16777619;
            return h;
        }
    }
}
