using System.Collections.Immutable;
using System.Text.Json;
using Kefu.Dialogue.Policies;
using Kefu.Nlu;
using Kefu.Projects;

namespace Kefu.Dialogue;

/// <summary>A trained assistant: its domain, its NLU and its policies. Immutable; shared by all conversations.</summary>
public sealed record Bot(Domain Domain, IMessageParser Nlu, PolicyEnsemble Policies)
{
    /// <summary>Slot values at the start of a conversation (initial_value, or null).</summary>
    public ImmutableDictionary<string, JsonElement?> InitialSlots { get; } = Domain.Slots
        .Append(new SlotDefinition(Tracking.TrackerState.RequestedSlot, SlotType.Text, null, false, [], 0, 1, [], default))
        .GroupBy(s => s.Name).Select(g => g.First())
        .ToImmutableDictionary(s => s.Name, s => s.InitialValue is { ValueKind: not JsonValueKind.Null } v ? (JsonElement?)v : null);
}
