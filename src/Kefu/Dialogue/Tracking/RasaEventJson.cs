using System.Text.Json;
using System.Text.Json.Nodes;
using Kefu.Nlu;

namespace Kefu.Dialogue.Tracking;

/// <summary>
/// Events as Rasa writes them ({"event": "user", "timestamp": ..., ...}): the stored form, the tracker
/// endpoint's form and what action servers send back. Reference: rasa/shared/core/events.py.
/// </summary>
public static class RasaEventJson
{
    public static string TypeName(DialogueEvent e) => e switch
    {
        UserUttered => "user",
        BotUttered => "bot",
        ActionExecuted => "action",
        SlotSet => "slot",
        ActiveLoopSet => "active_loop",
        LoopInterrupted => "loop_interrupted",
        ActionExecutionRejected => "action_execution_rejected",
        SessionStarted => "session_started",
        Restarted => "restart",
        UserUtteranceReverted => "rewind",
        ActionReverted => "undo",
        AllSlotsReset => "reset_slots",
        FollowupAction => "followup",
        ConversationPaused => "pause",
        ConversationResumed => "resume",
        AgentUttered => "agent",
        _ => throw new ArgumentException($"no Rasa name for event {e.GetType().Name}"),
    };

    public static JsonObject ToJson(DialogueEvent e)
    {
        var o = new JsonObject { ["event"] = TypeName(e), ["timestamp"] = e.Timestamp.ToUnixTimeMilliseconds() / 1000.0 };
        switch (e)
        {
            case UserUttered u:
                o["text"] = u.Text;
                o["parse_data"] = u.Parse is null ? null : ParseToJson(u.Parse);
                o["input_channel"] = u.InputChannel;
                o["message_id"] = u.MessageId;
                break;
            case BotUttered b:
                o["text"] = b.Message.Text;
                o["data"] = new JsonObject
                {
                    ["buttons"] = b.Message.Buttons is null ? null
                        : new JsonArray(b.Message.Buttons.Select(x => (JsonNode)new JsonObject { ["title"] = x.Title, ["payload"] = x.Payload }).ToArray()),
                    ["image"] = b.Message.Image,
                    ["custom"] = b.Message.Custom is { } c ? JsonNode.Parse(c.GetRawText()) : null,
                };
                o["metadata"] = new JsonObject { ["utter_action"] = b.Response };
                break;
            case ActionExecuted a:
                o["name"] = a.Name;
                o["policy"] = a.Policy;
                o["confidence"] = a.Confidence;
                break;
            case SlotSet s:
                o["name"] = s.Name;
                o["value"] = s.Value is { } v ? JsonNode.Parse(v.GetRawText()) : null;
                break;
            case ActiveLoopSet l:
                o["name"] = l.Name;
                break;
            case LoopInterrupted i:
                o["is_interrupted"] = i.IsInterrupted;
                break;
            case ActionExecutionRejected r:
                o["name"] = r.Name;
                break;
            case FollowupAction f:
                o["name"] = f.Name;
                break;
            case ConversationPaused p when p.Reason is not null:
                o["reason"] = p.Reason;
                break;
            case AgentUttered g:
                o["agent"] = g.Agent;
                o["text"] = g.Text;
                break;
        }
        return o;
    }

    public static StoredEvent ToStored(DialogueEvent e) => new(TypeName(e), ToJson(e).ToJsonString(), e.Timestamp);

    public static DialogueEvent FromStored(StoredEvent stored) => FromJson(JsonDocument.Parse(stored.Json).RootElement);

    /// <summary>Reads one Rasa event; throws <see cref="FormatException"/> naming what is wrong.</summary>
    public static DialogueEvent FromJson(JsonElement o)
    {
        if (o.ValueKind != JsonValueKind.Object || !o.TryGetProperty("event", out var type) || type.ValueKind != JsonValueKind.String)
            throw new FormatException("an event must be a JSON object with a string \"event\" field");
        DialogueEvent e = type.GetString() switch
        {
            "user" => new UserUttered(Str(o, "text") ?? "", Object(o, "parse_data") is { } p ? ParseFromJson(p, Str(o, "text") ?? "") : null,
                Str(o, "input_channel"), Str(o, "message_id")),
            "bot" => new BotUttered(BotMessageFromJson(o), Object(o, "metadata") is { } m ? Str(m, "utter_action") : null),
            "action" => new ActionExecuted(Required(o, "name"), Str(o, "policy"),
                o.TryGetProperty("confidence", out var c) && c.ValueKind == JsonValueKind.Number ? c.GetSingle() : null),
            "slot" => new SlotSet(Required(o, "name"),
                o.TryGetProperty("value", out var v) && v.ValueKind != JsonValueKind.Null ? v.Clone() : null),
            "active_loop" or "form" => new ActiveLoopSet(Str(o, "name")),
            "loop_interrupted" or "form_validation" => new LoopInterrupted(
                o.TryGetProperty("is_interrupted", out var i) ? i.ValueKind == JsonValueKind.True
                : o.TryGetProperty("validate", out var val) && val.ValueKind == JsonValueKind.False),
            "action_execution_rejected" => new ActionExecutionRejected(Required(o, "name")),
            "session_started" => new SessionStarted(),
            "restart" => new Restarted(),
            "rewind" => new UserUtteranceReverted(),
            "undo" => new ActionReverted(),
            "reset_slots" => new AllSlotsReset(),
            "followup" => new FollowupAction(Required(o, "name")),
            "pause" => new ConversationPaused(Str(o, "reason")),
            "resume" => new ConversationResumed(),
            "agent" => new AgentUttered(Str(o, "agent") ?? "agent", Str(o, "text") ?? ""),
            var other => throw new FormatException($"unknown event type \"{other}\""),
        };
        return o.TryGetProperty("timestamp", out var ts) && ts.ValueKind == JsonValueKind.Number
            ? e with { Timestamp = DateTimeOffset.FromUnixTimeMilliseconds((long)(ts.GetDouble() * 1000)) }
            : e;
    }

    public static JsonObject ParseToJson(NluParse p) => new()
    {
        ["text"] = p.Text,
        ["intent"] = IntentJson(p.Intent),
        ["entities"] = new JsonArray(p.Entities.Select(x => (JsonNode)new JsonObject
        {
            ["start"] = x.Start, ["end"] = x.End, ["entity"] = x.Entity, ["value"] = x.Value,
            ["role"] = x.Role, ["group"] = x.Group,
        }).ToArray()),
        ["intent_ranking"] = new JsonArray(p.IntentRanking.Select(x => (JsonNode)IntentJson(x)).ToArray()),
    };

    private static JsonObject IntentJson(IntentPrediction i) => new() { ["name"] = i.Name, ["confidence"] = i.Confidence };

    private static NluParse ParseFromJson(JsonElement p, string text)
    {
        var intent = Object(p, "intent") is { } i ? IntentFromJson(i) : new IntentPrediction("", 0f);
        var ranking = p.TryGetProperty("intent_ranking", out var r) && r.ValueKind == JsonValueKind.Array
            ? r.EnumerateArray().Select(IntentFromJson).ToList() : [intent];
        var entities = p.TryGetProperty("entities", out var es) && es.ValueKind == JsonValueKind.Array
            ? es.EnumerateArray().Select(x => new EntitySpan(Int(x, "start"), Int(x, "end"), Str(x, "entity") ?? "",
                x.TryGetProperty("value", out var v) ? (v.ValueKind == JsonValueKind.String ? v.GetString()! : v.GetRawText()) : "",
                Str(x, "role"), Str(x, "group"))).ToList()
            : [];
        return new NluParse(Str(p, "text") ?? text, intent, ranking, entities);
    }

    private static IntentPrediction IntentFromJson(JsonElement i) => new(Str(i, "name") ?? "",
        i.TryGetProperty("confidence", out var c) && c.ValueKind == JsonValueKind.Number ? c.GetSingle() : 0f);

    /// <summary>A message in Rasa's response/dispatcher shape: text, image, buttons, custom (top level or under "data").</summary>
    public static BotMessage BotMessageFromJson(JsonElement o)
    {
        var data = Object(o, "data") ?? o;
        var buttons = (data.TryGetProperty("buttons", out var b) && b.ValueKind == JsonValueKind.Array ? b
            : o.TryGetProperty("buttons", out b) && b.ValueKind == JsonValueKind.Array ? b : default);
        return new BotMessage(
            Str(o, "text"),
            Str(data, "image") ?? Str(o, "image"),
            buttons.ValueKind == JsonValueKind.Array
                ? buttons.EnumerateArray().Select(x => new BotButton(Str(x, "title") ?? "", Str(x, "payload") ?? "")).ToList()
                : null,
            Object(data, "custom") ?? Object(o, "custom") ?? Object(o, "json_message"));
    }

    private static string? Str(JsonElement o, string name) =>
        o.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    private static string Required(JsonElement o, string name) =>
        Str(o, name) ?? throw new FormatException($"event \"{Str(o, "event")}\" needs a string \"{name}\"");

    private static int Int(JsonElement o, string name) =>
        o.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number ? v.GetInt32() : 0;

    private static JsonElement? Object(JsonElement o, string name) =>
        o.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Object ? v.Clone() : null;
}
