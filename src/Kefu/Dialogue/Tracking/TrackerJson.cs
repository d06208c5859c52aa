using System.Text.Json;

namespace Kefu.Dialogue.Tracking;

/// <summary>A tracker in the JSON shape of Rasa's GET /conversations/{id}/tracker.</summary>
public static class TrackerJson
{
    /// <summary>The tracker's JSON; without the "events" property when <paramref name="withEvents"/> is false.</summary>
    public static JsonElement Build(Tracker tracker, bool withEvents = true)
    {
        var s = tracker.State;
        var json = RasaEventJson.ToJsonString(w =>
        {
            w.WriteStartObject();
            w.WriteString("sender_id", tracker.ConversationId);
            w.WriteStartObject("slots");
            foreach (var (name, value) in s.Slots.OrderBy(kv => kv.Key, StringComparer.Ordinal))
            {
                w.WritePropertyName(name);
                if (value is { } v) v.WriteTo(w); else w.WriteNullValue();
            }
            w.WriteEndObject();
            w.WritePropertyName("latest_message");
            if (s.LatestMessage?.Parse is { } parse) RasaEventJson.WriteParse(w, parse); else w.WriteNullValue();
            if (tracker.Events.IsEmpty) w.WriteNull("latest_event_time");
            else w.WriteNumber("latest_event_time", tracker.Events[^1].Timestamp.ToUnixTimeMilliseconds() / 1000.0);
            w.WriteString("followup_action", s.FollowupAction);
            w.WriteBoolean("paused", s.Paused);
            if (withEvents)
            {
                w.WriteStartArray("events");
                foreach (var e in tracker.Events) RasaEventJson.Write(w, e);
                w.WriteEndArray();
            }
            w.WriteString("latest_input_channel", s.LatestMessage?.InputChannel);
            w.WriteStartObject("active_loop");
            if (s.ActiveLoop is not null) w.WriteString("name", s.ActiveLoop);
            w.WriteEndObject();
            w.WriteString("latest_action_name", s.LatestAction);
            w.WritePropertyName("latest_action");
            if (s.LatestAction is null) w.WriteNullValue();
            else
            {
                w.WriteStartObject();
                w.WriteString("action_name", s.LatestAction);
                w.WriteEndObject();
            }
            w.WriteEndObject();
        });
        using var document = JsonDocument.Parse(json);
        return document.RootElement.Clone();
    }

    /// <summary>A tracker's JSON with its "events" property left out.</summary>
    public static JsonElement WithoutEvents(JsonElement tracker)
    {
        var json = RasaEventJson.ToJsonString(w =>
        {
            w.WriteStartObject();
            if (tracker.ValueKind == JsonValueKind.Object)
                foreach (var property in tracker.EnumerateObject())
                    if (property.Name != "events") property.WriteTo(w);
            w.WriteEndObject();
        });
        using var document = JsonDocument.Parse(json);
        return document.RootElement.Clone();
    }
}
