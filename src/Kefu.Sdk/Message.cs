using System.Text.Json;

namespace Kefu.Sdk;

/// <summary>An intent the NLU predicted, with its confidence.</summary>
public sealed record Intent(string Name, double Confidence);

/// <summary>An entity found in a message: its type, value, character span and optional role and group.</summary>
public sealed record Entity(string Type, string Value, int Start = 0, int End = 0, string? Role = null, string? Group = null,
    string? Extractor = null)
{
    /// <summary>Rasa's additional_info (Duckling's value object), when the extractor gave one.</summary>
    public JsonElement? AdditionalInfo { get; init; }
}

/// <summary>The user's latest message as the NLU understood it (the tracker's latest_message / parse_data).</summary>
public sealed record Message(string? Text, Intent? Intent, IReadOnlyList<Entity> Entities, IReadOnlyList<Intent> IntentRanking)
{
    /// <summary>Before the first message: no text, no intent, nothing found.</summary>
    public static Message None { get; } = new(null, null, [], []);

    /// <summary>Reads Rasa's parse_data / latest_message JSON; missing parts are empty.</summary>
    public static Message FromJson(JsonElement json)
    {
        if (json.ValueKind != JsonValueKind.Object) return None;
        var intent = json.TryGetProperty("intent", out var i) && i.ValueKind == JsonValueKind.Object ? ReadIntent(i) : null;
        var entities = json.TryGetProperty("entities", out var es) && es.ValueKind == JsonValueKind.Array
            ? es.EnumerateArray().Where(e => e.ValueKind == JsonValueKind.Object).Select(ReadEntity).ToList()
            : [];
        var ranking = json.TryGetProperty("intent_ranking", out var r) && r.ValueKind == JsonValueKind.Array
            ? r.EnumerateArray().Where(x => x.ValueKind == JsonValueKind.Object).Select(ReadIntent).ToList()
            : intent is null ? [] : [intent];
        return new Message(Json.Str(json, "text"), intent is { Name: "" } ? null : intent, entities, ranking);
    }

    private static Intent ReadIntent(JsonElement i) =>
        new(Json.Str(i, "name") ?? "", i.TryGetProperty("confidence", out var c) && c.ValueKind == JsonValueKind.Number ? c.GetDouble() : 0);

    private static Entity ReadEntity(JsonElement e) =>
        new(Json.Str(e, "entity") ?? "", e.TryGetProperty("value", out var v) ? JsonValues.Text(v) ?? "" : "",
            Json.Int(e, "start"), Json.Int(e, "end"), Json.Str(e, "role"), Json.Str(e, "group"), Json.Str(e, "extractor"))
        {
            AdditionalInfo = e.TryGetProperty("additional_info", out var a) && a.ValueKind == JsonValueKind.Object ? a.Clone() : null,
        };
}

/// <summary>Small readers of optional JSON fields.</summary>
internal static class Json
{
    public static string? Str(JsonElement o, string name) =>
        o.ValueKind == JsonValueKind.Object && o.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    public static int Int(JsonElement o, string name) =>
        o.ValueKind == JsonValueKind.Object && o.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number && v.TryGetInt32(out var n) ? n : 0;

    public static bool Bool(JsonElement o, string name) =>
        o.ValueKind == JsonValueKind.Object && o.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.True;

    public static JsonElement? Object(JsonElement o, string name) =>
        o.ValueKind == JsonValueKind.Object && o.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Object ? v : null;
}
