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
        foreach (var slot in domain.Slots)
        {
            foreach (var mapping in slot.Mappings)
            {
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
    public static IReadOnlyList<string> CustomMappingActions(Domain domain, TrackerState state) =>
        domain.Slots.SelectMany(s => s.Mappings).OfType<CustomMapping>()
            .Where(m => m.Action is not null && Applies(m, state, state.LatestMessage?.Parse?.Intent.Name))
            .Select(m => m.Action!).Distinct().ToList();

    public static bool Applies(SlotMapping mapping, TrackerState state, string? intent)
    {
        if (mapping.Intent.Count > 0 && (intent is null || !mapping.Intent.Contains(intent))) return false;
        if (intent is not null && mapping.NotIntent.Contains(intent)) return false;
        if (mapping.Conditions.Count == 0) return true;
        var requested = state.SlotText(TrackerState.RequestedSlot);
        return mapping.Conditions.Any(c =>
            (c.ActiveLoop is null || c.ActiveLoop == state.ActiveLoop)
            && (c.RequestedSlot is null || c.RequestedSlot == requested));
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
