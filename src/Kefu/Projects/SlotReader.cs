using System.Text.Json;
using Kefu.Projects.Yaml;
using YamlDotNet.RepresentationModel;

namespace Kefu.Projects;

/// <summary>Reads the domain's `slots:` section: types, values, and the Rasa 3 slot mappings with their conditions.</summary>
internal static class SlotReader
{
    private static readonly string[] SlotKeys =
        ["type", "influence_conversation", "initial_value", "values", "min_value", "max_value", "mappings"];

    private static readonly string[] MappingTypes = ["from_entity", "from_text", "from_intent", "from_trigger_intent", "custom"];

    public static List<SlotDefinition> Read(YamlSource source, YamlNode node)
    {
        var slots = new List<SlotDefinition>();
        foreach (var (name, nameNode, value) in source.Entries(node, "'slots'"))
        {
            if (source.Mapping(value, $"slot '{name}'") is not { } properties) continue;
            if (ReadSlot(source, name, nameNode, properties) is { } slot) slots.Add(slot);
        }
        return slots;
    }

    private static SlotDefinition? ReadSlot(YamlSource source, string name, YamlNode nameNode, YamlMappingNode properties)
    {
        source.WarnUnknownKeys(properties, $"slot '{name}'", SlotKeys);
        var typeNode = YamlSource.Get(properties, "type");
        if (typeNode is null)
        {
            source.Error(nameNode, $"slot '{name}' has no type; give one of text, bool, categorical, float, list, any");
            return null;
        }
        if (ParseType(source, name, typeNode) is not { } type) return null;

        var influenceNode = YamlSource.Get(properties, "influence_conversation");
        bool influence = source.Bool(influenceNode, "influence_conversation", type != SlotType.Any);
        if (type == SlotType.Any && influence)
            source.Error(influenceNode!, $"slot '{name}' of type any cannot influence the conversation; set influence_conversation: false or choose another type");

        var initialNode = YamlSource.Get(properties, "initial_value");
        JsonElement? initial = initialNode is null ? null : source.ToJson(initialNode);

        IReadOnlyList<string> values = [];
        var valuesNode = YamlSource.Get(properties, "values");
        if (type == SlotType.Categorical)
        {
            values = valuesNode is null ? [] : source.Sequence(valuesNode, "values")
                .Select(v => v is YamlScalarNode { Value: { } text } ? text : null).OfType<string>().ToList();
            if (values.Count == 0)
                source.Error(valuesNode ?? nameNode, $"categorical slot '{name}' needs a non-empty list of values");
        }
        else if (valuesNode is not null)
            source.Warning(valuesNode, $"values are only used by categorical slots; slot '{name}' is {type.ToString().ToLowerInvariant()}");

        var minNode = YamlSource.Get(properties, "min_value");
        var maxNode = YamlSource.Get(properties, "max_value");
        double min = source.Number(minNode, "min_value", 0), max = source.Number(maxNode, "max_value", 1);
        if (type != SlotType.Float && (minNode ?? maxNode) is { } rangeNode)
            source.Warning(rangeNode, $"min_value and max_value are only used by float slots; slot '{name}' is {type.ToString().ToLowerInvariant()}");
        else if (min > max)
            source.Error(minNode ?? nameNode, $"float slot '{name}' has min_value {min} above max_value {max}");

        var mappingsNode = YamlSource.Get(properties, "mappings");
        if (mappingsNode is null)
            source.Warning(nameNode, $"slot '{name}' has no mappings, so only actions can set it (Rasa 3 expects 'mappings:'; write '- type: custom' to say so)");
        var mappings = mappingsNode is null ? [] : source.Sequence(mappingsNode, $"the mappings of slot '{name}'")
            .Select(m => ReadMapping(source, name, m)).OfType<SlotMapping>().ToList();

        return new SlotDefinition(name, type, initial, influence, values, min, max, mappings, source.At(nameNode));
    }

    private static SlotType? ParseType(YamlSource source, string slot, YamlNode node)
    {
        switch (source.String(node, $"the type of slot '{slot}'"))
        {
            case null: return null;
            case "text": return SlotType.Text;
            case "bool": return SlotType.Bool;
            case "categorical": return SlotType.Categorical;
            case "float": return SlotType.Float;
            case "list": return SlotType.List;
            case "any": return SlotType.Any;
            case "unfeaturized":
                source.Error(node, $"slot '{slot}' has the Rasa 2 type 'unfeaturized'; use 'type: any' (or another type with influence_conversation: false)");
                return null;
            case var other:
                source.Error(node, $"slot '{slot}' has the unknown type '{other}'; use one of text, bool, categorical, float, list, any (custom slot classes are not supported)");
                return null;
        }
    }

    private static SlotMapping? ReadMapping(YamlSource source, string slot, YamlNode node)
    {
        if (source.Mapping(node, $"a mapping of slot '{slot}'") is not { } m) return null;
        var typeNode = YamlSource.Get(m, "type");
        if (typeNode is null)
        {
            source.Error(node, $"a mapping of slot '{slot}' has no type; use one of {string.Join(", ", MappingTypes)}");
            return null;
        }
        string? type = source.String(typeNode, $"the mapping type of slot '{slot}'");
        if (type is null) return null;
        string what = $"the {type} mapping of slot '{slot}'";
        var location = source.At(node);
        var conditions = ReadConditions(source, YamlSource.Get(m, "conditions"), what);
        IReadOnlyList<string> Intent() => source.Names(YamlSource.Get(m, "intent"), "intent");
        IReadOnlyList<string> NotIntent() => source.Names(YamlSource.Get(m, "not_intent"), "not_intent");

        switch (type)
        {
            case "from_entity":
                source.WarnUnknownKeys(m, what, "type", "entity", "role", "group", "intent", "not_intent", "conditions");
                var entityNode = YamlSource.Get(m, "entity");
                if (entityNode is null)
                {
                    source.Error(node, $"{what} needs 'entity:', the entity whose value fills the slot");
                    return null;
                }
                if (source.String(entityNode, "entity") is not { } entity) return null;
                return new FromEntityMapping(entity,
                    source.OptionalString(YamlSource.Get(m, "role"), "role"),
                    source.OptionalString(YamlSource.Get(m, "group"), "group"),
                    Intent(), NotIntent(), conditions, location);
            case "from_text":
                source.WarnUnknownKeys(m, what, "type", "intent", "not_intent", "conditions");
                return new FromTextMapping(Intent(), NotIntent(), conditions, location);
            case "from_intent" or "from_trigger_intent":
                source.WarnUnknownKeys(m, what, "type", "value", "intent", "not_intent", "conditions");
                if (YamlSource.Get(m, "value") is not { } valueNode)
                {
                    source.Error(node, $"{what} needs 'value:', the value the slot gets");
                    return null;
                }
                var value = source.ToJson(valueNode);
                return type == "from_intent"
                    ? new FromIntentMapping(value, Intent(), NotIntent(), conditions, location)
                    : new FromTriggerIntentMapping(value, Intent(), NotIntent(), conditions, location);
            case "custom":
                source.WarnUnknownKeys(m, what, "type", "action", "conditions");
                return new CustomMapping(source.OptionalString(YamlSource.Get(m, "action"), "action"), conditions, location);
            default:
                source.Error(typeNode, $"slot '{slot}' has the unknown mapping type '{type}'; use one of {string.Join(", ", MappingTypes)}");
                return null;
        }
    }

    private static List<MappingCondition> ReadConditions(YamlSource source, YamlNode? node, string what)
    {
        var conditions = new List<MappingCondition>();
        if (node is null) return conditions;
        foreach (var item in source.Sequence(node, $"the conditions of {what}"))
        {
            if (source.Mapping(item, $"a condition of {what}") is not { } c) continue;
            source.WarnUnknownKeys(c, $"a condition of {what}", "active_loop", "requested_slot");
            if (YamlSource.Get(c, "active_loop") is not { } loopNode)
            {
                source.Error(item, $"a condition of {what} needs 'active_loop:' (the form that must be active)");
                continue;
            }
            conditions.Add(new MappingCondition(
                source.OptionalString(loopNode, "active_loop"),
                source.OptionalString(YamlSource.Get(c, "requested_slot"), "requested_slot"),
                source.At(item)));
        }
        return conditions;
    }
}
