using System.Collections.Immutable;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Kefu.Dialogue.Actions;
using Kefu.Dialogue.Tracking;
using Kefu.Projects;

namespace Kefu.Dialogue.Policies;

/// <summary>
/// What the policies see before each action (Rasa's state: user sub-state, previous action, slots,
/// active loop). Slots are featurized: only those that influence the conversation, as "name=feature".
/// </summary>
public sealed record DialogueState(
    string? Intent,
    ImmutableSortedSet<string> Entities,
    string? PrevAction,
    ImmutableSortedDictionary<string, string> Slots,
    string? ActiveLoop)
{
    public static readonly DialogueState Empty = new(null, [], null, ImmutableSortedDictionary<string, string>.Empty, null);

    /// <summary>A stable text form, the memoization key of one state; only slots that influence the conversation count.</summary>
    public string Key(IReadOnlySet<string> influencingSlots)
    {
        var sb = new StringBuilder();
        sb.Append(Intent).Append('|').AppendJoin(',', Entities).Append('|').Append(PrevAction).Append('|');
        foreach (var (k, v) in Slots)
            if (influencingSlots.Contains(k)) sb.Append(k).Append('=').Append(v).Append(',');
        return sb.Append('|').Append(ActiveLoop).ToString();
    }
}

/// <summary>Turns an event sequence into the states before each action (Rasa's tracker.past_states).</summary>
public static class StateFeaturizer
{
    /// <summary>(state before the action, action name) for each ActionExecuted in the applied events, and the state after all of them.</summary>
    public static (List<(DialogueState State, string Action)> Turns, DialogueState Current) Featurize(
        IEnumerable<DialogueEvent> appliedEvents, Domain domain)
    {
        var turns = new List<(DialogueState, string)>();
        var state = DialogueState.Empty;
        foreach (var e in appliedEvents)
        {
            switch (e)
            {
                case ActionExecuted a:
                    turns.Add((state, a.Name));
                    state = state with { PrevAction = a.Name };
                    break;
                case UserUttered u:
                    var intent = u.Parse?.Intent.Name;
                    var intentDef = intent is null ? null : domain.FindIntent(intent);
                    state = state with
                    {
                        Intent = intent,
                        Entities = (u.Parse?.Entities ?? []).Select(x => x.Entity)
                            .Where(x => intentDef?.Uses(x) ?? true).ToImmutableSortedSet(StringComparer.Ordinal),
                    };
                    break;
                case SlotSet s:
                    var feature = Feature(domain.FindSlot(s.Name), s.Value);
                    state = state with { Slots = feature is null ? state.Slots.Remove(s.Name) : state.Slots.SetItem(s.Name, feature) };
                    break;
                case ActiveLoopSet l:
                    state = state with { ActiveLoop = l.Name };
                    break;
                case SessionStarted or Restarted:
                    state = DialogueState.Empty;
                    break;
                case AllSlotsReset:
                    state = state with { Slots = ImmutableSortedDictionary<string, string>.Empty };
                    break;
            }
        }
        return (turns, state);
    }

    /// <summary>
    /// A slot value as the policies see it: set/unset for text and list, the value for bool and
    /// categorical (unknown categories → "__other__"), the value rounded for float, the raw text for a
    /// slot the domain does not declare (requested_slot). Null when unset.
    /// </summary>
    public static string? Feature(SlotDefinition? slot, JsonElement? value)
    {
        if (value is not { } v || v.ValueKind == JsonValueKind.Null) return null;
        if (slot is null) return v.ValueKind == JsonValueKind.String ? v.GetString() : v.GetRawText();
        return slot.Type switch
        {
            SlotType.Bool => v.ValueKind == JsonValueKind.True || (v.ValueKind == JsonValueKind.String && v.GetString() == "true") ? "true" : "false",
            SlotType.Categorical => Categorical(slot, v),
            SlotType.Float => v.ValueKind == JsonValueKind.Number
                ? Math.Round(Math.Clamp(v.GetDouble(), slot.MinValue, slot.MaxValue), 2).ToString(CultureInfo.InvariantCulture)
                : "set",
            SlotType.List => v.ValueKind == JsonValueKind.Array && v.GetArrayLength() == 0 ? null : "set",
            _ => "set",
        };
    }

    private static string Categorical(SlotDefinition slot, JsonElement v)
    {
        var text = v.ValueKind == JsonValueKind.String ? v.GetString()! : v.GetRawText();
        return slot.Values.FirstOrDefault(x => string.Equals(x, text, StringComparison.OrdinalIgnoreCase))?.ToLowerInvariant() ?? "__other__";
    }

    /// <summary>Whether the user has just spoken (the bot's last move was to listen).</summary>
    public static bool JustHeardUser(TrackerState state) => state.LatestAction is null or ActionNames.Listen;
}
