using System.Collections.Immutable;
using System.Text.Json;
using Kefu.Dialogue.Tracking;
using Kefu.Projects;

namespace Kefu.Dialogue.Slots;

public static class InitialSlots
{
    /// <summary>Every slot of the domain at its initial_value (or null), plus requested_slot.</summary>
    public static ImmutableDictionary<string, JsonElement?> Of(Domain domain)
    {
        var slots = ImmutableDictionary.CreateBuilder<string, JsonElement?>(StringComparer.Ordinal);
        slots[TrackerState.RequestedSlot] = null;
        foreach (var s in domain.Slots)
            slots.TryAdd(s.Name, s.InitialValue is { ValueKind: not JsonValueKind.Null } v ? v : null);
        return slots.ToImmutable().WithComparers(StringComparer.Ordinal, ValueComparer);
    }

    /// <summary>
    /// Slot values compare by content, so that setting a slot to the value it has leaves the state as it is (the default
    /// comparer of a JsonElement? compares by reflection, allocating at every SlotSet).
    /// </summary>
    public static readonly IEqualityComparer<JsonElement?> ValueComparer = EqualityComparer<JsonElement?>.Create(
        (a, b) => a is { } x ? b is { } y && JsonElement.DeepEquals(x, y) : b is null,
        v => v is { } e ? HashCode.Combine(e.ValueKind, e.ValueKind == JsonValueKind.String ? e.GetString() : null) : 0);
}
