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
        return slots.ToImmutable();
    }
}
