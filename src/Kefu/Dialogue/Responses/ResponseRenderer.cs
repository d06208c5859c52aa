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
    public BotMessage? Render(string responseName, Tracker tracker, string? channel)
    {
        if (domain.FindResponse(responseName) is not { } response) return null;
        var conditional = response.Variations.Where(v => v.Conditions.Count > 0 && v.Conditions.All(c => ConditionHolds(c, tracker.State))).ToList();
        var eligible = conditional.Count > 0 ? conditional : response.Variations.Where(v => v.Conditions.Count == 0).ToList();
        var forChannel = eligible.Where(v => v.Channel is not null && v.Channel == channel).ToList();
        var candidates = forChannel.Count > 0 ? forChannel : eligible.Where(v => v.Channel is null).ToList();
        if (candidates.Count == 0) return null;
        var pick = candidates[(int)((uint)StableHash(tracker.ConversationId, tracker.Events.Count) % (uint)candidates.Count)];
        return new BotMessage(
            pick.Text is null ? null : Fill(pick.Text, tracker.State),
            pick.Image,
            pick.Buttons.Count == 0 ? null : pick.Buttons.Select(b => new BotButton(Fill(b.Title, tracker.State), b.Payload)).ToList(),
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

    /// <summary>Replaces `{slot}` with the slot's value; unknown or empty slots become "None", as in Rasa.</summary>
    public static string Fill(string template, TrackerState state)
    {
        if (!template.Contains('{')) return template;
        var sb = new StringBuilder(template.Length);
        for (int i = 0; i < template.Length; i++)
        {
            int close = template[i] == '{' ? template.IndexOf('}', i + 1) : -1;
            if (close > i + 1 && IsSlotName(template.AsSpan(i + 1, close - i - 1)))
            {
                sb.Append(state.SlotText(template[(i + 1)..close]) ?? "None");
                i = close;
            }
            else sb.Append(template[i]);
        }
        return sb.ToString();
    }

    private static bool IsSlotName(ReadOnlySpan<char> s)
    {
        foreach (var ch in s)
            if (!(char.IsLetterOrDigit(ch) || ch == '_' || ch == '-')) return false;
        return true;
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
