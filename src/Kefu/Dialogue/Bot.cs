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
    public ImmutableDictionary<string, JsonElement?> InitialSlots { get; } = Slots.InitialSlots.Of(Domain);
}
