using System.Text.Json;
using Kefu.Dialogue.Tracking;
using Kefu.Nlu;
using Kefu.Server.Http;

namespace Kefu.Server.Contracts;

/// <summary>POST /conversations/{id}/trigger_intent: {"name", "entities"}; entities is {"entity": value} or [{"entity", "value"}], as Rasa reads it.</summary>
public sealed record TriggerIntentRequest(string? Name, JsonElement? Entities = null);

/// <summary>POST /conversations/{id}/execute: {"name", "policy", "confidence"} (Rasa marks the route deprecated).</summary>
public sealed record ExecuteActionRequest(string? Name, string? Policy = null, float? Confidence = null);

/// <summary>One score of POST /conversations/{id}/predict's "scores".</summary>
public sealed record ActionScore(string Action, float Score);

/// <summary>Reads the bodies of Rasa's conversation routes; every problem names the field or the event's index.</summary>
internal static class RasaApiReader
{
    /// <summary>
    /// One Rasa event or an array of them (rasa/server.py _get_events_from_request_body), each read as the engine stores
    /// it (rasa/shared/core/events.py); a user event's text within the message limit.
    /// </summary>
    public static (List<DialogueEvent>? Events, string? Problem) Events(JsonElement body, ServerLimits limits)
    {
        if (body.ValueKind is not (JsonValueKind.Object or JsonValueKind.Array))
            return (null, $"the request body is a JSON {Kind(body)}; expected an event object or an array of events");
        List<JsonElement> items = body.ValueKind == JsonValueKind.Object ? [body] : [.. body.EnumerateArray()];
        var events = new List<DialogueEvent>(items.Count);
        for (var i = 0; i < items.Count; i++)
        {
            DialogueEvent e;
            try
            {
                e = RasaEventJson.FromJson(items[i]);
            }
            catch (Exception ex) when (ex is FormatException or InvalidOperationException or ArgumentException or OverflowException)
            {
                return (null, $"events[{i}]: {ex.Message}");
            }
            if (e is UserUttered user && InputRules.MessageText(user.Text, $"events[{i}].text", limits) is { } badText)
                return (null, badText);
            if (e is UserUttered { Parse: { } parse } && ParseProblem(items[i], parse) is { } badParse)
                return (null, $"events[{i}].parse_data.{badParse}");
            events.Add(e);
        }
        return (events, null);
    }

    /// <summary>
    /// What the lenient event reader (it also reads stored events) would otherwise keep as something else: a confidence
    /// that is not a number between 0 and 1 (read as 0), an entity span outside the text.
    /// </summary>
    static string? ParseProblem(JsonElement json, NluParse parse)
    {
        var text = parse.Text;
        if (json.TryGetProperty("parse_data", out var data) && data.ValueKind == JsonValueKind.Object
            && data.TryGetProperty("intent", out var intent) && intent.ValueKind == JsonValueKind.Object
            && intent.TryGetProperty("confidence", out var confidence)
            && (confidence.ValueKind != JsonValueKind.Number || confidence.GetDouble() is < 0 or > 1))
            return $"intent.confidence must be a number from 0 to 1, got {confidence.GetRawText()}";
        var entities = parse.Entities;
        for (int j = 0; j < entities.Count; j++)
            if (entities[j].Start < 0 || entities[j].End < entities[j].Start || entities[j].End > text.Length)
                return $"entities[{j}]: start {entities[j].Start} and end {entities[j].End} must lie within the text (0 ≤ start ≤ end ≤ {text.Length})";
        return null;
    }

    /// <summary>Rasa's trigger_external_user_uttered: a dict {entity: value} or a list of {"entity", "value"}; anything else is a 400.</summary>
    public static (List<EntitySpan>? Entities, string? Problem) Entities(JsonElement? json)
    {
        if (json is not { } entities || entities.ValueKind == JsonValueKind.Null)
            return ([], null);
        if (entities.ValueKind == JsonValueKind.Object)
            return ([.. entities.EnumerateObject().Select(p => new EntitySpan(0, 0, p.Name, Text(p.Value)))], null);
        if (entities.ValueKind != JsonValueKind.Array)
            return (null, $"entities is a JSON {Kind(entities)}; expected {{\"entity\": value}} or [{{\"entity\": ..., \"value\": ...}}]");
        var list = new List<EntitySpan>();
        foreach (var (item, i) in entities.EnumerateArray().Select((x, i) => (x, i)))
        {
            if (item.ValueKind != JsonValueKind.Object
                || !item.TryGetProperty("entity", out var name) || name.ValueKind != JsonValueKind.String || name.GetString() is not { Length: > 0 } entity)
                return (null, $"entities[{i}] needs a non-empty string \"entity\"");
            if (!item.TryGetProperty("value", out var value))
                return (null, $"entities[{i}] needs a \"value\"");
            list.Add(new EntitySpan(0, 0, entity, Text(value),
                item.TryGetProperty("role", out var role) && role.ValueKind == JsonValueKind.String ? role.GetString() : null,
                item.TryGetProperty("group", out var group) && group.ValueKind == JsonValueKind.String ? group.GetString() : null));
        }
        return (list, null);
    }

    private static string Text(JsonElement value) => value.ValueKind == JsonValueKind.String ? value.GetString()! : value.GetRawText();

    private static string Kind(JsonElement json) => json.ValueKind.ToString().ToLowerInvariant();
}
