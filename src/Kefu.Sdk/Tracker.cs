using System.Text.Json;

namespace Kefu.Sdk;

/// <summary>
/// What an action sees of the conversation (rasa_sdk's Tracker): the sender, the slots, the latest message, the
/// active form and the events. Built from the action-server request's "tracker" JSON (<see cref="FromJson"/>), or
/// by Kefu directly from its own state when actions run in process; the events are then written only if asked for.
/// </summary>
public sealed class Tracker
{
    private readonly Lazy<IReadOnlyList<JsonElement>> events;
    private readonly Lazy<Message> latestMessage;
    private readonly Func<IReadOnlyList<SlotSet>>? slotCandidates;

    /// <param name="senderId">The conversation's id.</param>
    /// <param name="slots">Every slot's current value (null when unset).</param>
    /// <param name="latestMessage">Reads the latest user message when first asked for.</param>
    /// <param name="events">Reads the events in Rasa's JSON when first asked for.</param>
    /// <param name="slotCandidates">
    /// The SlotSet events at the end of the events (what a form asks its validation action to check), when the host can
    /// give them without writing every event; otherwise they are read from <paramref name="events"/>.
    /// </param>
    public Tracker(string senderId, IReadOnlyDictionary<string, JsonElement?> slots, Func<Message> latestMessage,
        Func<IReadOnlyList<JsonElement>> events, Func<IReadOnlyList<SlotSet>>? slotCandidates = null)
    {
        SenderId = senderId;
        Slots = slots;
        this.latestMessage = new Lazy<Message>(latestMessage, LazyThreadSafetyMode.None);
        this.events = new Lazy<IReadOnlyList<JsonElement>>(events, LazyThreadSafetyMode.None);
        this.slotCandidates = slotCandidates;
    }

    public string SenderId { get; }

    /// <summary>Every slot's current value; null for an unset slot.</summary>
    public IReadOnlyDictionary<string, JsonElement?> Slots { get; }

    public Message LatestMessage => latestMessage.Value;

    /// <summary>Every event of the conversation, as Rasa's JSON objects ({"event": "user", ...}).</summary>
    public IReadOnlyList<JsonElement> Events => events.Value;

    /// <summary>The active form's name (Rasa's active_loop.name); null when none is active.</summary>
    public string? ActiveLoopName { get; init; }

    public string? LatestActionName { get; init; }

    public string? FollowupAction { get; init; }

    public bool Paused { get; init; }

    public string? LatestInputChannel { get; init; }

    /// <summary>A slot's value; null when unset or unknown (rasa_sdk's get_slot).</summary>
    public JsonElement? GetSlot(string name) => Slots.TryGetValue(name, out var v) && v is { ValueKind: not JsonValueKind.Null } ? v : null;

    /// <summary>A slot's value as T (JsonSerializer's rules): <c>GetSlot&lt;string&gt;("order_id")</c>; default when unset.</summary>
    public T? GetSlot<T>(string name) => JsonValues.As<T>(GetSlot(name));

    /// <summary>A slot's value as text: a string itself, anything else as JSON; null when unset.</summary>
    public string? GetSlotText(string name) => JsonValues.Text(GetSlot(name));

    /// <summary>Values of the latest message's entities of this type (and role and group, when given): rasa_sdk's get_latest_entity_values.</summary>
    public IEnumerable<string> GetLatestEntityValues(string entityType, string? role = null, string? group = null) =>
        LatestMessage.Entities
            .Where(e => e.Type == entityType && (role is null || e.Role == role) && (group is null || e.Group == group))
            .Select(e => e.Value);

    public string? GetIntentOfLatestMessage() => LatestMessage.Intent?.Name;

    /// <summary>
    /// The slot candidates a form asks its validation action to check: the SlotSet events at the end of the events,
    /// the latest value per slot in the place of its first (rasa_sdk's slots_to_validate, a dict).
    /// </summary>
    public IReadOnlyList<SlotSet> SlotsToValidate()
    {
        if (slotCandidates is not null) return slotCandidates();
        int count = 0;
        for (int i = Events.Count - 1; i >= 0 && Json.Str(Events[i], "event") == "slot"; i--) count++;
        var latest = new List<SlotSet>();
        for (int i = Events.Count - count; i < Events.Count; i++)
        {
            var name = Json.Str(Events[i], "name") ?? "";
            var value = Events[i].TryGetProperty("value", out var v) ? JsonValues.ToElement(v) : null;
            int at = latest.FindIndex(s => s.Name == name);
            if (at >= 0) latest[at] = new SlotSet(name, value); else latest.Add(new SlotSet(name, value));
        }
        return latest;
    }

    /// <summary>This tracker with slots set (rasa_sdk's add_slots), for code that looks ahead of events it returns.</summary>
    public Tracker WithSlots(IEnumerable<SlotSet> sets)
    {
        var slots = new Dictionary<string, JsonElement?>(Slots, StringComparer.Ordinal);
        foreach (var s in sets) slots[s.Name] = s.JsonValue;
        return new Tracker(SenderId, slots, () => LatestMessage, () => Events, slotCandidates)
        {
            ActiveLoopName = ActiveLoopName, LatestActionName = LatestActionName, FollowupAction = FollowupAction,
            Paused = Paused, LatestInputChannel = LatestInputChannel,
        };
    }

    /// <summary>Reads the "tracker" of an action-server request (Rasa's tracker.current_state()).</summary>
    public static Tracker FromJson(JsonElement tracker, string? senderId = null)
    {
        if (tracker.ValueKind != JsonValueKind.Object) throw new FormatException("\"tracker\" must be a JSON object");
        var slots = new Dictionary<string, JsonElement?>(StringComparer.Ordinal);
        if (Json.Object(tracker, "slots") is { } s)
            foreach (var p in s.EnumerateObject()) slots[p.Name] = JsonValues.ToElement(p.Value.Clone());
        var latest = Json.Object(tracker, "latest_message") is { } m ? Message.FromJson(m.Clone()) : Message.None;
        IReadOnlyList<JsonElement> events = tracker.TryGetProperty("events", out var es) && es.ValueKind == JsonValueKind.Array
            ? es.EnumerateArray().Where(e => e.ValueKind == JsonValueKind.Object).Select(e => e.Clone()).ToList()
            : [];
        return new Tracker(senderId ?? Json.Str(tracker, "sender_id") ?? "", slots, () => latest, () => events)
        {
            ActiveLoopName = Json.Object(tracker, "active_loop") is { } loop ? Json.Str(loop, "name") : null,
            LatestActionName = Json.Str(tracker, "latest_action_name"),
            FollowupAction = Json.Str(tracker, "followup_action"),
            Paused = Json.Bool(tracker, "paused"),
            LatestInputChannel = Json.Str(tracker, "latest_input_channel"),
        };
    }
}
