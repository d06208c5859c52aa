using System.Text.Json;

namespace Kefu.Projects;

public enum SlotType { Text, Bool, Categorical, Float, List, Any }

/// <summary>
/// A slot. Values are used by categorical slots; MinValue/MaxValue by float slots (Rasa's defaults 0 and 1).
/// InitialValue is null when the domain gives none (a JSON null element when it says `initial_value: null`).
/// </summary>
public sealed record SlotDefinition(
    string Name,
    SlotType Type,
    JsonElement? InitialValue,
    bool InfluenceConversation,
    IReadOnlyList<string> Values,
    double MinValue,
    double MaxValue,
    IReadOnlyList<SlotMapping> Mappings,
    SourceLocation Location);

/// <summary>
/// Where a slot's value comes from. Intent / NotIntent restrict the mapping to (or away from) the latest
/// user intents (empty: no restriction); Conditions restrict it to a form and requested slot (empty: always).
/// </summary>
public abstract record SlotMapping(
    IReadOnlyList<string> Intent,
    IReadOnlyList<string> NotIntent,
    IReadOnlyList<MappingCondition> Conditions,
    SourceLocation Location);

/// <summary>Fills the slot with an extracted entity's value, optionally only for a role or group.</summary>
public sealed record FromEntityMapping(
    string Entity, string? Role, string? Group,
    IReadOnlyList<string> Intent, IReadOnlyList<string> NotIntent,
    IReadOnlyList<MappingCondition> Conditions, SourceLocation Location)
    : SlotMapping(Intent, NotIntent, Conditions, Location);

/// <summary>Fills the slot with the whole user message.</summary>
public sealed record FromTextMapping(
    IReadOnlyList<string> Intent, IReadOnlyList<string> NotIntent,
    IReadOnlyList<MappingCondition> Conditions, SourceLocation Location)
    : SlotMapping(Intent, NotIntent, Conditions, Location);

/// <summary>Fills the slot with Value when the user's intent matches.</summary>
public sealed record FromIntentMapping(
    JsonElement Value,
    IReadOnlyList<string> Intent, IReadOnlyList<string> NotIntent,
    IReadOnlyList<MappingCondition> Conditions, SourceLocation Location)
    : SlotMapping(Intent, NotIntent, Conditions, Location);

/// <summary>Fills the slot with Value when the intent that activated the form matches.</summary>
public sealed record FromTriggerIntentMapping(
    JsonElement Value,
    IReadOnlyList<string> Intent, IReadOnlyList<string> NotIntent,
    IReadOnlyList<MappingCondition> Conditions, SourceLocation Location)
    : SlotMapping(Intent, NotIntent, Conditions, Location);

/// <summary>Filled by a custom action (Action), or by the form's validation action when Action is null.</summary>
public sealed record CustomMapping(
    string? Action,
    IReadOnlyList<MappingCondition> Conditions, SourceLocation Location)
    : SlotMapping([], [], Conditions, Location);

/// <summary>A mapping applies only while ActiveLoop is active (null: no loop required) and, if given, RequestedSlot is asked.</summary>
public sealed record MappingCondition(string? ActiveLoop, string? RequestedSlot, SourceLocation Location);
