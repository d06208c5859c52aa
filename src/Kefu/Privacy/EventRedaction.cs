using System.Text.Json;
using Kefu.Dialogue;
using Kefu.Dialogue.Tracking;
using Kefu.Nlu;

namespace Kefu.Privacy;

/// <summary>
/// What of a turn's events is stored: the same events with personal data in their text masked. Every event comes back
/// as the same instance when nothing in it matched (the usual case), so a turn without personal data allocates nothing
/// here. Entity start/end still count in the original text, which only the running turn saw.
/// </summary>
public static class EventRedaction
{
    /// <summary>The events to store; the given list itself when nothing changed.</summary>
    public static IReadOnlyList<DialogueEvent> Redact(IReadOnlyList<DialogueEvent> events, PrivacySettings privacy)
    {
        if (privacy.Redactor.IsOff) return events;
        DialogueEvent[]? changed = null;
        for (int i = 0; i < events.Count; i++)
        {
            var redacted = Redact(events[i], privacy);
            if (ReferenceEquals(redacted, events[i])) continue;
            if (changed is null)
            {
                changed = new DialogueEvent[events.Count];
                for (int k = 0; k < events.Count; k++) changed[k] = events[k];
            }
            changed[i] = redacted;
        }
        return changed ?? events;
    }

    public static DialogueEvent Redact(DialogueEvent e, PrivacySettings privacy)
    {
        var r = privacy.Redactor;
        switch (e)
        {
            case UserUttered u:
                var text = r.Redact(u.Text);
                var parse = u.Parse is null ? null : Redact(u.Parse, r, u.Text, text);
                return ReferenceEquals(text, u.Text) && ReferenceEquals(parse, u.Parse) ? u : u with { Text = text, Parse = parse };
            case BotUttered b:
                var message = Redact(b.Message, r);
                return ReferenceEquals(message, b.Message) ? b : b with { Message = message };
            case AgentUttered a:
                var said = r.Redact(a.Text);
                return ReferenceEquals(said, a.Text) ? a : a with { Text = said };
            case ConversationRated { Comment: { } comment } rated:
                var remark = r.Redact(comment);
                return ReferenceEquals(remark, comment) ? rated : rated with { Comment = remark };
            case ReminderScheduled { Entities.Count: > 0 } reminder:
                return Redact(reminder.Entities, r) is { } values ? reminder with { Entities = values } : reminder;
            case ReminderCancelled { Entities.Count: > 0 } cancel:
                return Redact(cancel.Entities, r) is { } cancelled ? cancel with { Entities = cancelled } : cancel;
            case SlotSet s when s.Value is { } value && !privacy.KeepSlots.Contains(s.Name):
                var kept = Redact(value, r);
                return kept is { } masked ? s with { Value = masked } : s;
            default:
                return e;
        }
    }

    /// <summary>The parse's text is the message's (<paramref name="said"/>, masked as <paramref name="saidMasked"/>) unless given otherwise.</summary>
    private static NluParse Redact(NluParse parse, Redactor r, string said, string saidMasked)
    {
        var text = parse.Text != said ? r.Redact(parse.Text) : ReferenceEquals(saidMasked, said) ? parse.Text : saidMasked;
        EntitySpan[]? entities = null;
        for (int i = 0; i < parse.Entities.Count; i++)
        {
            var x = parse.Entities[i];
            var value = r.Redact(x.Value);
            var info = x.AdditionalInfo is { } additional && Redact(additional, r) is not null ? null : x.AdditionalInfo;
            if (ReferenceEquals(value, x.Value) && info.HasValue == x.AdditionalInfo.HasValue) continue;
            entities ??= [.. parse.Entities];
            // Duckling's structured value would say it again: it goes where its text was masked.
            entities[i] = x with { Value = value, AdditionalInfo = ReferenceEquals(value, x.Value) ? info : null };
        }
        if (ReferenceEquals(text, parse.Text) && entities is null) return parse;
        return parse with { Text = text, Entities = entities ?? parse.Entities };
    }

    /// <summary>A reminder's entities with their values masked, or null when none has personal data.</summary>
    private static EntitySpan[]? Redact(IReadOnlyList<EntitySpan> entities, Redactor r)
    {
        EntitySpan[]? masked = null;
        for (int i = 0; i < entities.Count; i++)
        {
            var value = r.Redact(entities[i].Value);
            if (ReferenceEquals(value, entities[i].Value)) continue;
            masked ??= [.. entities];
            masked[i] = entities[i] with { Value = value };
        }
        return masked;
    }

    private static BotMessage Redact(BotMessage m, Redactor r)
    {
        var text = m.Text is null ? null : r.Redact(m.Text);
        BotButton[]? buttons = null;
        if (m.Buttons is { } given)
            for (int i = 0; i < given.Count; i++)
            {
                var title = r.Redact(given[i].Title);
                var payload = r.Redact(given[i].Payload);
                if (ReferenceEquals(title, given[i].Title) && ReferenceEquals(payload, given[i].Payload)) continue;
                buttons ??= [.. given];
                buttons[i] = new BotButton(title, payload);
            }
        var custom = m.Custom is { } c ? Redact(c, r) : null;
        if (ReferenceEquals(text, m.Text) && buttons is null && custom is null) return m;
        return m with { Text = text, Buttons = buttons ?? m.Buttons, Custom = custom ?? m.Custom };
    }

    /// <summary>
    /// A JSON value with its personal data masked, or null when it has none. A string is masked in place; a number that is
    /// one (a phone number as 13812345678) or an object or array holding one becomes the masked JSON text as a string.
    /// </summary>
    private static JsonElement? Redact(JsonElement value, Redactor r)
    {
        if (value.ValueKind is JsonValueKind.Null or JsonValueKind.True or JsonValueKind.False or JsonValueKind.Undefined) return null;
        var raw = value.ValueKind == JsonValueKind.String ? value.GetString()! : value.GetRawText();
        var masked = r.Redact(raw);
        if (ReferenceEquals(masked, raw)) return null;
        if (value.ValueKind is JsonValueKind.Object or JsonValueKind.Array)
        {
            // Masks are plain text inside JSON strings, so a container stays valid JSON with its shape kept.
            try
            {
                using var document = JsonDocument.Parse(masked);
                return document.RootElement.Clone();
            }
            catch (JsonException)
            {
                // A mask replaced a bare number inside the container: the masked text, as one string.
            }
        }
        return JsonSerializer.SerializeToElement(masked);
    }
}
