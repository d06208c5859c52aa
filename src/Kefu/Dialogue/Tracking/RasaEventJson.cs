using System.Buffers;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
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
        MessageFeedback => "feedback",
        ConversationRated => "rating",
        ExperimentJoined => "experiment",
        ReminderScheduled => "reminder",
        ReminderCancelled => "cancel_reminder",
        _ => throw new ArgumentException($"no Rasa name for event {e.GetType().Name}"),
    };

    /// <summary>Writes one event as Rasa's JSON object.</summary>
    public static void Write(Utf8JsonWriter w, DialogueEvent e)
    {
        w.WriteStartObject();
        w.WriteString("event", TypeName(e));
        w.WriteNumber("timestamp", e.Timestamp.ToUnixTimeMilliseconds() / 1000.0);
        switch (e)
        {
            case UserUttered u:
                w.WriteString("text", u.Text);
                w.WritePropertyName("parse_data");
                if (u.Parse is null) w.WriteNullValue(); else WriteParse(w, u.Parse);
                w.WriteString("input_channel", u.InputChannel);
                w.WriteString("message_id", u.MessageId);
                break;
            case BotUttered b:
                w.WriteString("text", b.Message.Text);
                w.WriteStartObject("data");
                w.WritePropertyName("buttons");
                if (b.Message.Buttons is null) w.WriteNullValue();
                else
                {
                    w.WriteStartArray();
                    foreach (var x in b.Message.Buttons)
                    {
                        w.WriteStartObject();
                        w.WriteString("title", x.Title);
                        w.WriteString("payload", x.Payload);
                        w.WriteEndObject();
                    }
                    w.WriteEndArray();
                }
                w.WriteString("image", b.Message.Image);
                w.WritePropertyName("custom");
                if (b.Message.Custom is { } c) c.WriteTo(w); else w.WriteNullValue();
                w.WriteEndObject();
                w.WriteStartObject("metadata");
                w.WriteString("utter_action", b.Response);
                w.WriteEndObject();
                break;
            case ActionExecuted a:
                w.WriteString("name", a.Name);
                w.WriteString("policy", a.Policy);
                if (a.Confidence is { } confidence) w.WriteNumber("confidence", confidence); else w.WriteNull("confidence");
                break;
            case SlotSet s:
                w.WriteString("name", s.Name);
                w.WritePropertyName("value");
                if (s.Value is { } v) v.WriteTo(w); else w.WriteNullValue();
                break;
            case ActiveLoopSet l:
                w.WriteString("name", l.Name);
                break;
            case LoopInterrupted i:
                w.WriteBoolean("is_interrupted", i.IsInterrupted);
                break;
            case ActionExecutionRejected r:
                w.WriteString("name", r.Name);
                break;
            case FollowupAction f:
                w.WriteString("name", f.Name);
                break;
            case ConversationPaused p when p.Reason is not null:
                w.WriteString("reason", p.Reason);
                break;
            case AgentUttered g:
                w.WriteString("agent", g.Agent);
                w.WriteString("text", g.Text);
                break;
            case MessageFeedback f:
                w.WriteNumber("message_index", f.MessageIndex);
                w.WriteString("value", f.Up ? "up" : "down");
                break;
            case ConversationRated r:
                w.WriteNumber("stars", r.Stars);
                if (r.Comment is not null) w.WriteString("comment", r.Comment);
                break;
            case ExperimentJoined x:
                w.WriteString("experiment", x.Experiment);
                w.WriteString("arm", x.Arm);
                w.WriteString("version", x.Version);
                break;
            case ReminderScheduled r:
                w.WriteString("intent", r.Intent);
                WriteReminderEntities(w, r.Entities);
                w.WriteString("date_time", r.TriggerAt.ToString("o", System.Globalization.CultureInfo.InvariantCulture));
                w.WriteString("name", r.Name);
                w.WriteBoolean("kill_on_user_msg", r.KillOnUserMessage);
                break;
            case ReminderCancelled cancel:
                if (cancel.Intent is not null) w.WriteString("intent", cancel.Intent);
                WriteReminderEntities(w, cancel.Entities);
                if (cancel.Name is not null) w.WriteString("name", cancel.Name);
                break;
        }
        w.WriteEndObject();
    }

    /// <summary>An NLU parse as Rasa's parse_data (intent, entities, top <see cref="RankingLength"/> of the ranking).</summary>
    public static void WriteParse(Utf8JsonWriter w, NluParse p)
    {
        w.WriteStartObject();
        w.WriteString("text", p.Text);
        w.WritePropertyName("intent");
        WriteIntent(w, p.Intent);
        w.WriteStartArray("entities");
        foreach (var x in p.Entities)
        {
            w.WriteStartObject();
            w.WriteNumber("start", x.Start);
            w.WriteNumber("end", x.End);
            w.WriteString("entity", x.Entity);
            EntityJson.WriteValue(w, x);
            if (x.Role is not null) w.WriteString("role", x.Role);     // absent, not null, as everywhere in Kefu's JSON
            if (x.Group is not null) w.WriteString("group", x.Group);
            EntityJson.WriteExtractor(w, x);
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteStartArray("intent_ranking");
        foreach (var x in p.IntentRanking.Take(RankingLength)) WriteIntent(w, x);
        w.WriteEndArray();
        NluParseJson.WriteResponseSelector(w, p);
        w.WriteEndObject();
    }

    private static void WriteIntent(Utf8JsonWriter w, IntentPrediction i)
    {
        w.WriteStartObject();
        w.WriteString("name", i.Name);
        w.WriteNumber("confidence", i.Confidence);
        w.WriteEndObject();
    }

    /// <summary>Intents kept in a stored ranking: Rasa's ranking_length default.</summary>
    public const int RankingLength = 10;

    [ThreadStatic] private static ArrayBufferWriter<byte>? buffer;
    [ThreadStatic] private static Utf8JsonWriter? writer;

    /// <summary>JSON text written by <paramref name="write"/> through a per-thread buffer.</summary>
    public static string ToJsonString(Action<Utf8JsonWriter> write)
    {
        write(ThreadWriter());
        return Encoding.UTF8.GetString(Written());
    }

    public static StoredEvent ToStored(DialogueEvent e)
    {
        Write(ThreadWriter(), e);
        return new(TypeName(e), Written().ToArray(), e.Timestamp);
    }

    public static DialogueEvent FromStored(StoredEvent stored)
    {
        using var json = JsonDocument.Parse(stored.Utf8Json);
        return FromJson(json.RootElement);
    }

    private static Utf8JsonWriter ThreadWriter()
    {
        buffer ??= new ArrayBufferWriter<byte>(1024);
        buffer.ResetWrittenCount();
        writer ??= new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
        writer.Reset(buffer);
        return writer;
    }

    private static ReadOnlySpan<byte> Written()
    {
        writer!.Flush();
        return buffer!.WrittenSpan;
    }

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
            "feedback" => new MessageFeedback(Whole(o, "message_index", 0, int.MaxValue), Str(o, "value") switch
            {
                "up" => true,
                "down" => false,
                _ => throw new FormatException("event \"feedback\" needs \"value\": \"up\" or \"down\""),
            }),
            "rating" => new ConversationRated(Whole(o, "stars", 1, 5), Str(o, "comment")),
            "experiment" => new ExperimentJoined(Required(o, "experiment"), Required(o, "arm"), Required(o, "version")),
            "reminder" => new ReminderScheduled(Required(o, "intent"), ReminderTime(o), ReminderEntities(o), Str(o, "name") ?? Guid.NewGuid().ToString(),
                !(o.TryGetProperty("kill_on_user_msg", out var kill) && kill.ValueKind == JsonValueKind.False)),
            "cancel_reminder" => new ReminderCancelled(Str(o, "name"), Str(o, "intent"), ReminderEntities(o)),
            var other => throw new FormatException($"unknown event type \"{other}\""),
        };
        return o.TryGetProperty("timestamp", out var ts) && ts.ValueKind == JsonValueKind.Number
            ? e with { Timestamp = DateTimeOffset.FromUnixTimeMilliseconds((long)(ts.GetDouble() * 1000)) }
            : e;
    }

    /// <summary>A reminder's entities as Rasa writes them: [{"entity", "value"}] (the SDK also takes {"name": "value"}).</summary>
    private static void WriteReminderEntities(Utf8JsonWriter w, IReadOnlyList<EntitySpan> entities)
    {
        w.WriteStartArray("entities");
        foreach (var x in entities)
        {
            w.WriteStartObject();
            w.WriteString("entity", x.Entity);
            w.WriteString("value", x.Value);
            w.WriteEndObject();
        }
        w.WriteEndArray();
    }

    private static List<EntitySpan> ReminderEntities(JsonElement o)
    {
        if (!o.TryGetProperty("entities", out var es)) return [];
        static string Text(JsonElement v) => v.ValueKind == JsonValueKind.String ? v.GetString()! : v.GetRawText();
        return es.ValueKind switch
        {
            JsonValueKind.Array => [.. es.EnumerateArray().Select(x => x.ValueKind == JsonValueKind.Object && Str(x, "entity") is { } name
                ? new EntitySpan(0, 0, name, x.TryGetProperty("value", out var v) ? Text(v) : "")
                : throw new FormatException("a reminder's entities are [{\"entity\": NAME, \"value\": VALUE}]"))],
            JsonValueKind.Object => [.. es.EnumerateObject().Select(p => new EntitySpan(0, 0, p.Name, Text(p.Value)))],
            JsonValueKind.Null => [],
            _ => throw new FormatException("a reminder's entities are [{\"entity\": NAME, \"value\": VALUE}]"),
        };
    }

    /// <summary>Rasa's date_time: ISO 8601; without an offset it is the server's local time, as Python's naive datetime is.</summary>
    private static DateTimeOffset ReminderTime(JsonElement o) =>
        Str(o, "date_time") is { } text && DateTimeOffset.TryParse(text, System.Globalization.CultureInfo.InvariantCulture,
            System.Globalization.DateTimeStyles.AssumeLocal, out var at)
            ? at
            : throw new FormatException("event \"reminder\" needs \"date_time\", an ISO 8601 time such as 2026-12-07T18:00:00+08:00");

    private static NluParse ParseFromJson(JsonElement p, string text)
    {
        var intent = Object(p, "intent") is { } i ? IntentFromJson(i) : new IntentPrediction("", 0f);
        var ranking = p.TryGetProperty("intent_ranking", out var r) && r.ValueKind == JsonValueKind.Array
            ? r.EnumerateArray().Select(IntentFromJson).ToList() : [intent];
        var entities = p.TryGetProperty("entities", out var es) && es.ValueKind == JsonValueKind.Array
            ? es.EnumerateArray().Select(x => new EntitySpan(Int(x, "start"), Int(x, "end"), Str(x, "entity") ?? "",
                x.TryGetProperty("value", out var v) ? (v.ValueKind == JsonValueKind.String ? v.GetString()! : v.GetRawText()) : "",
                Str(x, "role"), Str(x, "group"))
            {
                Extractor = Str(x, "extractor"),
                AdditionalInfo = Object(x, "additional_info")?.Clone(),
            }).ToList()
            : [];
        IntentPrediction? retrieval = Object(p, "response_selector") is { } selector && Object(selector, intent.Name) is { } forIntent
            && Object(forIntent, "response") is { } response && Str(response, "intent_response_key") is { } key
            ? new IntentPrediction(key, response.TryGetProperty("confidence", out var rc) && rc.ValueKind == JsonValueKind.Number ? rc.GetSingle() : 1f)
            : null;
        return new NluParse(Str(p, "text") ?? text, intent, ranking, entities, retrieval);
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

    /// <summary>A required whole number in [min, max].</summary>
    private static int Whole(JsonElement o, string name, int min, int max) =>
        o.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number && v.TryGetInt32(out var n) && n >= min && n <= max ? n
        : throw new FormatException($"event \"{Str(o, "event")}\" needs \"{name}\", a whole number from {min} to {max}");

    private static int Int(JsonElement o, string name) =>
        o.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number ? v.GetInt32() : 0;

    private static JsonElement? Object(JsonElement o, string name) =>
        o.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Object ? v.Clone() : null;
}
