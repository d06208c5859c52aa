using System.Text.Json;

namespace Kefu.Sdk;

/// <summary>
/// An event a custom action returns, written as Rasa writes it ({"event": "slot", "name": ..., "value": ...}).
/// The names and fields are rasa_sdk/events.py's; Kefu applies them as Rasa's tracker does.
/// </summary>
public abstract record ActionEvent
{
    /// <summary>Rasa's "event" name: "slot", "followup", "restart"...</summary>
    public abstract string EventName { get; }

    /// <summary>Seconds since 1970 when the action set one; null lets the receiver stamp it.</summary>
    public double? Timestamp { get; init; }

    /// <summary>Writes this event as one JSON object.</summary>
    public void WriteTo(Utf8JsonWriter writer)
    {
        writer.WriteStartObject();
        writer.WriteString("event", EventName);
        if (Timestamp is { } t) writer.WriteNumber("timestamp", t); else writer.WriteNull("timestamp");
        WriteFields(writer);
        writer.WriteEndObject();
    }

    /// <summary>The fields after "event" and "timestamp".</summary>
    protected virtual void WriteFields(Utf8JsonWriter writer)
    {
    }
}

/// <summary>"slot": sets a slot; a null value clears it. Value is a string, number, bool, JsonElement or anything JsonSerializer writes.</summary>
public sealed record SlotSet(string Name, object? Value = null) : ActionEvent
{
    public override string EventName => "slot";

    /// <summary>The value as JSON (null when cleared).</summary>
    public JsonElement? JsonValue => JsonValues.ToElement(Value);

    protected override void WriteFields(Utf8JsonWriter writer)
    {
        writer.WriteString("name", Name);
        writer.WritePropertyName("value");
        JsonValues.Write(writer, Value);
    }
}

/// <summary>"reset_slots": every slot back to its initial value.</summary>
public sealed record AllSlotsReset : ActionEvent
{
    public override string EventName => "reset_slots";
}

/// <summary>"restart": the conversation starts over.</summary>
public sealed record Restarted : ActionEvent
{
    public override string EventName => "restart";
}

/// <summary>"session_started": a new session begins.</summary>
public sealed record SessionStarted : ActionEvent
{
    public override string EventName => "session_started";
}

/// <summary>"rewind": undoes the user's last message and what followed it.</summary>
public sealed record UserUtteranceReverted : ActionEvent
{
    public override string EventName => "rewind";
}

/// <summary>"undo": undoes the last action.</summary>
public sealed record ActionReverted : ActionEvent
{
    public override string EventName => "undo";
}

/// <summary>"followup": runs this action next, without asking the policies.</summary>
public sealed record FollowupAction(string Name) : ActionEvent
{
    public override string EventName => "followup";

    protected override void WriteFields(Utf8JsonWriter writer) => writer.WriteString("name", Name);
}

/// <summary>"active_loop": activates a form (or, with a null name, deactivates the active one).</summary>
public sealed record ActiveLoop(string? Name) : ActionEvent
{
    public override string EventName => "active_loop";

    protected override void WriteFields(Utf8JsonWriter writer) => writer.WriteString("name", Name);
}

/// <summary>"loop_interrupted": the user left the active form for another topic.</summary>
public sealed record LoopInterrupted(bool IsInterrupted) : ActionEvent
{
    public override string EventName => "loop_interrupted";

    protected override void WriteFields(Utf8JsonWriter writer) => writer.WriteBoolean("is_interrupted", IsInterrupted);
}

/// <summary>"action_execution_rejected": the named action refused to run; the policies choose again.</summary>
public sealed record ActionExecutionRejected(string Name) : ActionEvent
{
    public override string EventName => "action_execution_rejected";

    protected override void WriteFields(Utf8JsonWriter writer) => writer.WriteString("name", Name);
}

/// <summary>"pause": the bot stops answering (a human takes over).</summary>
public sealed record ConversationPaused : ActionEvent
{
    public override string EventName => "pause";
}

/// <summary>"resume": the bot answers again.</summary>
public sealed record ConversationResumed : ActionEvent
{
    public override string EventName => "resume";
}

/// <summary>"bot": a message as an event (prefer the dispatcher, which renders named responses).</summary>
public sealed record BotUttered(string? Text) : ActionEvent
{
    public override string EventName => "bot";

    protected override void WriteFields(Utf8JsonWriter writer)
    {
        writer.WriteString("text", Text);
        writer.WriteStartObject("data");
        writer.WriteEndObject();
        writer.WriteStartObject("metadata");
        writer.WriteEndObject();
    }
}

/// <summary>"action": records that an action ran.</summary>
public sealed record ActionExecuted(string Name, string? Policy = null, double? Confidence = null) : ActionEvent
{
    public override string EventName => "action";

    protected override void WriteFields(Utf8JsonWriter writer)
    {
        writer.WriteString("name", Name);
        writer.WriteString("policy", Policy);
        if (Confidence is { } c) writer.WriteNumber("confidence", c); else writer.WriteNull("confidence");
    }
}

/// <summary>
/// "reminder": at <paramref name="TriggerAt"/> the bot handles <paramref name="Intent"/> (with <paramref name="Entities"/>,
/// entity name → value) as if the user had sent it, unless cancelled or — with <paramref name="KillOnUserMessage"/> — the
/// user writes first. <paramref name="Name"/> identifies it for ReminderCancelled (default: a new id).
/// </summary>
public sealed record ReminderScheduled(string Intent, DateTimeOffset TriggerAt, IReadOnlyDictionary<string, string>? Entities = null,
    string? Name = null, bool KillOnUserMessage = true) : ActionEvent
{
    public override string EventName => "reminder";

    /// <summary>The reminder's name as sent: <see cref="Name"/>, or one made once for this event.</summary>
    public string ReminderName { get; } = Name ?? Guid.NewGuid().ToString();

    protected override void WriteFields(Utf8JsonWriter writer)
    {
        writer.WriteString("intent", Intent);
        ReminderCancelled.WriteEntities(writer, Entities);
        writer.WriteString("date_time", TriggerAt.ToString("o", System.Globalization.CultureInfo.InvariantCulture));
        writer.WriteString("name", ReminderName);
        writer.WriteBoolean("kill_on_user_msg", KillOnUserMessage);
    }
}

/// <summary>"cancel_reminder": cancels the reminders named <paramref name="Name"/>; without one, those of <paramref name="Intent"/> with these entities.</summary>
public sealed record ReminderCancelled(string? Name = null, string? Intent = null, IReadOnlyDictionary<string, string>? Entities = null) : ActionEvent
{
    public override string EventName => "cancel_reminder";

    protected override void WriteFields(Utf8JsonWriter writer)
    {
        if (Name is not null) writer.WriteString("name", Name);
        if (Intent is not null) writer.WriteString("intent", Intent);
        WriteEntities(writer, Entities);
    }

    internal static void WriteEntities(Utf8JsonWriter writer, IReadOnlyDictionary<string, string>? entities)
    {
        writer.WriteStartArray("entities");
        foreach (var (entity, value) in entities ?? new Dictionary<string, string>())
        {
            writer.WriteStartObject();
            writer.WriteString("entity", entity);
            writer.WriteString("value", value);
            writer.WriteEndObject();
        }
        writer.WriteEndArray();
    }
}
