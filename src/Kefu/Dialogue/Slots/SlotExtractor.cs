using System.Globalization;
using System.Text.Json;
using Kefu.Dialogue.Tracking;
using Kefu.Projects;

namespace Kefu.Dialogue.Slots;

/// <summary>
/// Rasa 3's action_extract_slots: after each user message, every slot mapping whose conditions hold
/// fills its slot from the message (from_entity, from_text, from_intent). from_trigger_intent and custom
/// mappings are filled by the form and by custom actions.
/// </summary>
public static class SlotExtractor
{
    public static IReadOnlyList<SlotSet> Extract(Domain domain, TrackerState state)
    {
        if (state.LatestMessage is not { } message) return [];
        var intent = message.Parse?.Intent.Name;
        var sets = new List<SlotSet>();
        for (int s = 0; s < domain.Slots.Count; s++)
        {
            var slot = domain.Slots[s];
            for (int m = 0; m < slot.Mappings.Count; m++)
            {
                var mapping = slot.Mappings[m];
                if (!Applies(mapping, state, intent)) continue;
                if (ValueFor(mapping, slot, message) is not { } value) continue;
                if (!SameValue(state.Slot(slot.Name), value)) sets.Add(new SlotSet(slot.Name, value));
                break;
            }
        }
        return sets;
    }

    public static bool SameValue(JsonElement? a, JsonElement? b) =>
        a is { } x ? b is { } y && JsonElement.DeepEquals(x, y) : b is null;

    /// <summary>Actions named by `custom` mappings whose conditions hold now; Rasa runs them while extracting slots.</summary>
    public static IReadOnlyList<string> CustomMappingActions(Domain domain, TrackerState state)
    {
        List<string>? actions = null;
        var intent = state.LatestMessage?.Parse?.Intent.Name;
        for (int s = 0; s < domain.Slots.Count; s++)
        {
            var mappings = domain.Slots[s].Mappings;
            for (int m = 0; m < mappings.Count; m++)
                if (mappings[m] is CustomMapping { Action: { } action } custom && Applies(custom, state, intent)
                    && !(actions ??= []).Contains(action))
                    actions.Add(action);
        }
        return actions ?? [];
    }

    public static bool Applies(SlotMapping mapping, TrackerState state, string? intent)
    {
        if (mapping.Intent.Count > 0 && (intent is null || !mapping.Intent.Contains(intent))) return false;
        if (intent is not null && mapping.NotIntent.Contains(intent)) return false;
        if (mapping.Conditions.Count == 0) return true;
        var requested = state.SlotText(TrackerState.RequestedSlot);
        for (int i = 0; i < mapping.Conditions.Count; i++)
        {
            var c = mapping.Conditions[i];
            if ((c.ActiveLoop is null || c.ActiveLoop == state.ActiveLoop) && (c.RequestedSlot is null || c.RequestedSlot == requested))
                return true;
        }
        return false;
    }

    private static JsonElement? ValueFor(SlotMapping mapping, SlotDefinition slot, UserUttered message)
    {
        switch (mapping)
        {
            case FromEntityMapping m:
                var values = (message.Parse?.Entities ?? [])
                    .Where(e => e.Entity == m.Entity && (m.Role is null || e.Role == m.Role) && (m.Group is null || e.Group == m.Group))
                    .Select(e => e.Value).ToList();
                if (values.Count == 0) return null;
                return slot.Type == SlotType.List
                    ? JsonSerializer.SerializeToElement(values)
                    : Coerce(values[0], slot.Type);
            case FromTextMapping:
                return JsonSerializer.SerializeToElement(message.Text);
            case FromIntentMapping m:
                return m.Value;
            default:
                return null;
        }
    }

    /// <summary>An extracted string as the slot's type: numbers for float slots, true/false for bool slots.</summary>
    public static JsonElement Coerce(string value, SlotType type) => type switch
    {
        SlotType.Float when double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var d)
            => JsonSerializer.SerializeToElement(d),
        SlotType.Bool when bool.TryParse(value, out var b) => JsonSerializer.SerializeToElement(b),
        _ => JsonSerializer.SerializeToElement(value),
    };
}
