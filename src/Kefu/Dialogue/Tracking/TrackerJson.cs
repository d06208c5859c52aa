using System.Text.Json;
using System.Text.Json.Nodes;

namespace Kefu.Dialogue.Tracking;

/// <summary>A tracker in the JSON shape of Rasa's GET /conversations/{id}/tracker.</summary>
public static class TrackerJson
{
    public static JsonElement Build(Tracker tracker)
    {
        var s = tracker.State;
        var slots = new JsonObject();
        foreach (var (name, value) in s.Slots.OrderBy(kv => kv.Key, StringComparer.Ordinal))
            slots[name] = value is { } v ? JsonNode.Parse(v.GetRawText()) : null;
        var o = new JsonObject
        {
            ["sender_id"] = tracker.ConversationId,
            ["slots"] = slots,
            ["latest_message"] = s.LatestMessage?.Parse is { } p ? RasaEventJson.ParseToJson(p) : null,
            ["latest_event_time"] = tracker.Events.IsEmpty ? null : tracker.Events[^1].Timestamp.ToUnixTimeMilliseconds() / 1000.0,
            ["followup_action"] = s.FollowupAction,
            ["paused"] = s.Paused,
            ["events"] = new JsonArray(tracker.Events.Select(e => (JsonNode)RasaEventJson.ToJson(e)).ToArray()),
            ["latest_input_channel"] = s.LatestMessage?.InputChannel,
            ["active_loop"] = s.ActiveLoop is null ? new JsonObject() : new JsonObject { ["name"] = s.ActiveLoop },
            ["latest_action_name"] = s.LatestAction,
            ["latest_action"] = s.LatestAction is null ? null : new JsonObject { ["action_name"] = s.LatestAction },
        };
        return JsonSerializer.SerializeToElement(o);
    }
}
