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
