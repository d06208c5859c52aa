using System.Text.Json;

namespace Kefu.Sdk;

/// <summary>A button under a message: its title, and the payload sent back when it is pressed ("/intent{...}" or text).</summary>
public sealed record Button(string Title, string Payload);

/// <summary>
/// One message an action sent through the dispatcher, in rasa_sdk's shape: {"text", "buttons", "elements", "custom",
/// "template", "response", "image", "attachment", **kwargs}. Kwargs fill a named response's {placeholders}.
/// </summary>
public sealed record DispatcherMessage(
    string? Text = null,
    string? Response = null,
    string? Image = null,
    IReadOnlyList<Button>? Buttons = null,
    JsonElement? Custom = null,
    string? Attachment = null,
    IReadOnlyList<JsonElement>? Elements = null,
    IReadOnlyDictionary<string, object?>? Kwargs = null)
{
    public void WriteTo(Utf8JsonWriter writer)
    {
        writer.WriteStartObject();
        writer.WriteString("text", Text);
        writer.WriteStartArray("buttons");
        foreach (var b in Buttons ?? [])
        {
            writer.WriteStartObject();
            writer.WriteString("title", b.Title);
            writer.WriteString("payload", b.Payload);
            writer.WriteEndObject();
        }
        writer.WriteEndArray();
        writer.WriteStartArray("elements");
        foreach (var e in Elements ?? []) e.WriteTo(writer);
        writer.WriteEndArray();
        writer.WritePropertyName("custom");
        if (Custom is { } c) c.WriteTo(writer);
        else
        {
            writer.WriteStartObject();
            writer.WriteEndObject();
        }
        writer.WriteString("template", Response);
        writer.WriteString("response", Response);
        writer.WriteString("image", Image);
        writer.WriteString("attachment", Attachment);
        foreach (var (name, value) in Kwargs ?? new Dictionary<string, object?>())
        {
            writer.WritePropertyName(name);
            JsonValues.Write(writer, value);
        }
        writer.WriteEndObject();
    }
}

/// <summary>Collects the messages an action sends (rasa_sdk's CollectingDispatcher); they reach the user before the action's events apply.</summary>
public sealed class CollectingDispatcher
{
    private readonly List<DispatcherMessage> messages = [];

    public IReadOnlyList<DispatcherMessage> Messages => messages;

    /// <summary>
    /// rasa_sdk's utter_message: literal text, image, buttons and custom JSON, and/or a named response of the domain
    /// (utter_*) whose {placeholders} are filled from the slots and from <paramref name="kwargs"/>.
    /// </summary>
    public void UtterMessage(string? text = null, string? response = null, IEnumerable<Button>? buttons = null,
        JsonElement? custom = null, string? image = null, string? attachment = null, IEnumerable<JsonElement>? elements = null,
        IReadOnlyDictionary<string, object?>? kwargs = null)
    {
        messages.Add(new DispatcherMessage(text, response, image, buttons?.ToList(), custom, attachment, elements?.ToList(),
            kwargs is null || kwargs.Count == 0 ? null : kwargs));
    }

    /// <summary>A named response with values for its {placeholders}: <c>UtterResponse("utter_order", ("order_id", id))</c>.</summary>
    public void UtterResponse(string response, params (string Name, object? Value)[] values) =>
        UtterMessage(response: response, kwargs: values.Length == 0 ? null : values.ToDictionary(v => v.Name, v => v.Value, StringComparer.Ordinal));

    /// <summary>Adds a message as built elsewhere.</summary>
    public void Add(DispatcherMessage message) => messages.Add(message);
}
