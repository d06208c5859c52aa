using System.Text.Json;
using Kefu.Nlu;

namespace Kefu.Server.Contracts;

/// <summary>
/// POST /conversations/{id}/messages. Sender "user" adds the message to the tracker without running a turn,
/// as Rasa's endpoint does, with <see cref="ParseData"/> (Rasa's parse_data) or the NLU's parse; sender
/// "agent" (with the agent's name) is a human agent writing during a handoff.
/// </summary>
public sealed record ConversationMessageRequest(string? Text, string? Sender, string? Agent = null, JsonElement? ParseData = null);

/// <summary>
/// Rasa's parse_data as a client sends it: {"intent": {"name", "confidence"?}, "entities"?: [{"entity",
/// "value", "start"?, "end"?, "role"?, "group"?}], "intent_ranking"?: [intents]}. start/end count Unicode
/// scalar values (Rasa's Python indexes) and become UTF-16 offsets; other keys, "text" included, are ignored:
/// the message's text is the parse's.
/// </summary>
internal static class ParseDataReader
{
    /// <summary>The parse, or the problem's detail naming the field that is wrong.</summary>
    public static (NluParse? Parse, string? Problem) Read(JsonElement json, string text)
    {
        if (json.ValueKind != JsonValueKind.Object)
            return (null, $"parse_data is {Kind(json)}; expected an object with \"intent\" and \"entities\"");
        if (!json.TryGetProperty("intent", out var intentJson) || intentJson.ValueKind == JsonValueKind.Null)
            return (null, "parse_data.intent is required: {\"name\": \"...\", \"confidence\": 1.0}");
        var (intent, problem) = Intent(intentJson, "parse_data.intent");
        if (problem is not null)
            return (null, problem);

        var ranking = new List<IntentPrediction>();
        if (Optional(json, "intent_ranking") is { } rankingJson)
        {
            if (rankingJson.ValueKind != JsonValueKind.Array)
                return (null, $"parse_data.intent_ranking is {Kind(rankingJson)}; expected an array of intents");
            foreach (var (item, i) in rankingJson.EnumerateArray().Select((x, i) => (x, i)))
            {
                var (ranked, bad) = Intent(item, $"parse_data.intent_ranking[{i}]");
                if (bad is not null)
                    return (null, bad);
                ranking.Add(ranked!.Value);
            }
        }

        var entities = new List<EntitySpan>();
        if (Optional(json, "entities") is { } entitiesJson)
        {
            if (entitiesJson.ValueKind != JsonValueKind.Array)
                return (null, $"parse_data.entities is {Kind(entitiesJson)}; expected an array of entities");
            var length = text.EnumerateRunes().Count();
            foreach (var (item, i) in entitiesJson.EnumerateArray().Select((x, i) => (x, i)))
            {
                var (entity, bad) = Entity(item, $"parse_data.entities[{i}]", text, length);
                if (bad is not null)
                    return (null, bad);
                entities.Add(entity!);
            }
        }
        // A full retrieval intent (faq/ask_price) is read as the NLU would give it: the base intent, the full one beside it.
        var named = NluParse.Named(text, intent!.Value, entities);
        return (named with { IntentRanking = ranking.Count > 0 ? ranking : named.IntentRanking }, null);
    }

    private static (IntentPrediction? Intent, string? Problem) Intent(JsonElement json, string field)
    {
        if (json.ValueKind != JsonValueKind.Object)
            return (null, $"{field} is {Kind(json)}; expected an object with \"name\" and \"confidence\"");
        if (NonEmptyString(json, "name") is not { } name)
            return (null, $"{field}.name is required and must be a non-empty string");
        if (Optional(json, "confidence") is not { } confidenceJson)
            return (new IntentPrediction(name, 1f), null);
        return confidenceJson.ValueKind == JsonValueKind.Number && confidenceJson.GetDouble() is >= 0 and <= 1 and var confidence
            ? (new IntentPrediction(name, (float)confidence), null)
            : (null, $"{field}.confidence is {confidenceJson.GetRawText()}; expected a number from 0 to 1");
    }

    private static (EntitySpan? Entity, string? Problem) Entity(JsonElement json, string field, string text, int length)
    {
        if (json.ValueKind != JsonValueKind.Object)
            return (null, $"{field} is {Kind(json)}; expected an object with \"entity\" and \"value\"");
        if (NonEmptyString(json, "entity") is not { } name)
            return (null, $"{field}.entity is required and must be a non-empty string");
        if (Optional(json, "value") is not { } valueJson)
            return (null, $"{field}.value is required");
        var value = valueJson.ValueKind == JsonValueKind.String ? valueJson.GetString()! : valueJson.GetRawText();

        var (start, badStart) = Index(json, "start", field);
        var (end, badEnd) = Index(json, "end", field);
        if ((badStart ?? badEnd) is { } badIndex)
            return (null, badIndex);
        if (start < 0 || end < start || end > length)
            return (null, $"{field} spans {start}..{end}; expected 0 <= start <= end <= {length}, the text's length in characters");

        var role = Optional(json, "role");
        var group = Optional(json, "group");
        if (role is { ValueKind: not JsonValueKind.String } || group is { ValueKind: not JsonValueKind.String })
            return (null, $"{field}.role and .group must be strings when given");
        return (new EntitySpan(Utf16Index(text, start), Utf16Index(text, end), name, value, role?.GetString(), group?.GetString()), null);
    }

    /// <summary>An entity's start or end; 0 when not given, as for Rasa's /intent{"entity": "value"} messages.</summary>
    private static (int Index, string? Problem) Index(JsonElement json, string key, string field) => Optional(json, key) switch
    {
        null => (0, null),
        { ValueKind: JsonValueKind.Number } value when value.TryGetInt32(out var index) => (index, null),
        { } value => (0, $"{field}.{key} is {value.GetRawText()}; expected a whole number"),
    };

    private static int Utf16Index(string text, int scalarIndex)
    {
        var index = 0;
        for (var n = 0; n < scalarIndex; n++)
            index += char.IsSurrogatePair(text, index) ? 2 : 1;
        return index;
    }

    /// <summary>The property's value; null when it is missing or JSON null.</summary>
    private static JsonElement? Optional(JsonElement json, string name) =>
        json.TryGetProperty(name, out var value) && value.ValueKind != JsonValueKind.Null ? value : null;

    private static string? NonEmptyString(JsonElement json, string name) =>
        Optional(json, name) is { ValueKind: JsonValueKind.String } value && value.GetString() is { Length: > 0 } s ? s : null;

    private static string Kind(JsonElement json) => "a JSON " + json.ValueKind.ToString().ToLowerInvariant();
}
