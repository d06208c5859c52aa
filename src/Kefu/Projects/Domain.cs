using System.Runtime.CompilerServices;

namespace Kefu.Projects;

/// <summary>
/// A Rasa 3.x domain (domain.yml, or several files merged). Lists keep the file order; the Find*
/// methods look a name up. Arbitrary values (slot values, custom payloads) are JSON elements,
/// the form Rasa's action server protocol exchanges them in.
/// </summary>
public sealed record Domain(
    string? Version,
    IReadOnlyList<IntentDefinition> Intents,
    IReadOnlyList<EntityDefinition> Entities,
    IReadOnlyList<SlotDefinition> Slots,
    IReadOnlyList<ResponseDefinition> Responses,
    IReadOnlyList<FormDefinition> Forms,
    IReadOnlyList<ActionDefinition> Actions,
    SessionConfig SessionConfig)
{
    public static Domain Empty { get; } = new(null, [], [], [], [], [], [], SessionConfig.Default);

    public IntentDefinition? FindIntent(string name) => Index.Intents.GetValueOrDefault(name);
    public EntityDefinition? FindEntity(string name) => Index.Entities.GetValueOrDefault(name);
    public SlotDefinition? FindSlot(string name) => Index.Slots.GetValueOrDefault(name);
    public ResponseDefinition? FindResponse(string name) => Index.Responses.GetValueOrDefault(name);
    public FormDefinition? FindForm(string name) => Index.Forms.GetValueOrDefault(name);

    /// <summary>
    /// True for a Rasa built-in action, a custom action, a response (utter_*), a form of this domain, or a
    /// retrieval action (`utter_faq` when responses `utter_faq/...` exist).
    /// </summary>
    public bool IsKnownAction(string name) =>
        BuiltInActions.Contains(name) || Index.Actions.Contains(name)
        || FindResponse(name) is not null || FindForm(name) is not null
        || Index.RetrievalActions.Contains(name);

    // The lookups above run per example and per story step, so a domain of many thousand names must not make them
    // scans. Kept beside the record rather than in it: a field would take part in the record's equality and be
    // copied, stale, by `with`.
    private static readonly ConditionalWeakTable<Domain, NameIndex> Indexes = new();

    private NameIndex Index => Indexes.GetValue(this, domain => new NameIndex(domain));

    private sealed class NameIndex(Domain domain)
    {
        public Dictionary<string, IntentDefinition> Intents { get; } = ByName(domain.Intents, i => i.Name);
        public Dictionary<string, EntityDefinition> Entities { get; } = ByName(domain.Entities, e => e.Name);
        public Dictionary<string, SlotDefinition> Slots { get; } = ByName(domain.Slots, s => s.Name);
        public Dictionary<string, ResponseDefinition> Responses { get; } = ByName(domain.Responses, r => r.Name);
        public Dictionary<string, FormDefinition> Forms { get; } = ByName(domain.Forms, f => f.Name);
        public HashSet<string> Actions { get; } = domain.Actions.Select(a => a.Name).ToHashSet(StringComparer.Ordinal);
        // Every prefix before a '/' of a response name: "utter_faq" for "utter_faq/ask_price".
        public HashSet<string> RetrievalActions { get; } = domain.Responses
            .SelectMany(r => r.Name.Select((c, i) => c == '/' ? r.Name[..i] : null).OfType<string>()).ToHashSet(StringComparer.Ordinal);

        // The first of a repeated name wins, as FirstOrDefault did.
        private static Dictionary<string, T> ByName<T>(IReadOnlyList<T> items, Func<T, string> name)
        {
            var byName = new Dictionary<string, T>(StringComparer.Ordinal);
            foreach (var item in items) byName.TryAdd(name(item), item);
            return byName;
        }
    }

    /// <summary>Actions every Rasa assistant has without declaring them.</summary>
    public static IReadOnlySet<string> BuiltInActions { get; } = new HashSet<string>(StringComparer.Ordinal)
    {
        "action_listen", "action_restart", "action_session_start", "action_default_fallback",
        "action_deactivate_loop", "action_revert_fallback_events", "action_default_ask_affirmation",
        "action_default_ask_rephrase", "action_two_stage_fallback", "action_unlikely_intent",
        "action_back", "action_extract_slots",
        "action_handoff", // Kefu's: hand the conversation to a human agent and pause the bot
    };

    /// <summary>Intents Rasa adds to every domain.</summary>
    public static IReadOnlySet<string> BuiltInIntents { get; } = new HashSet<string>(StringComparer.Ordinal)
    {
        "nlu_fallback", "restart", "back", "out_of_scope", "session_start",
    };
}

/// <summary>How an intent treats the entities extracted with it (Rasa's use_entities / ignore_entities).</summary>
public enum EntityUse { All, Listed, None }

/// <summary>
/// An intent. UseEntities All means every entity except IgnoreEntities; Listed means only UsedEntities;
/// None means no entity influences the dialogue.
/// </summary>
public sealed record IntentDefinition(
    string Name,
    EntityUse UseEntities,
    IReadOnlyList<string> UsedEntities,
    IReadOnlyList<string> IgnoreEntities,
    SourceLocation Location)
{
    public bool Uses(string entity) => UseEntities switch
    {
        EntityUse.All => !IgnoreEntities.Contains(entity),
        EntityUse.Listed => UsedEntities.Contains(entity),
        _ => false,
    };
}

public sealed record EntityDefinition(
    string Name,
    IReadOnlyList<string> Roles,
    IReadOnlyList<string> Groups,
    bool InfluenceConversation,
    SourceLocation Location);

/// <summary>A custom action named in the domain's actions list.</summary>
public sealed record ActionDefinition(string Name, bool SendDomain, SourceLocation Location);

/// <summary>A form: the slots it asks for, in order, and the intents that never fill them.</summary>
public sealed record FormDefinition(
    string Name,
    IReadOnlyList<string> RequiredSlots,
    IReadOnlyList<string> IgnoredIntents,
    SourceLocation Location);

/// <summary>When a conversation's session ends and whether slots survive into the next one.</summary>
public sealed record SessionConfig(double SessionExpirationTimeMinutes, bool CarryOverSlotsToNewSession)
{
    /// <summary>Rasa's defaults: 60 minutes, slots carried over. Zero minutes means sessions never expire.</summary>
    public static SessionConfig Default { get; } = new(60, true);
}
