using System.Text.Json;

namespace Kefu.Sdk;

/// <summary>Slot and template values as JSON: strings, numbers and bools directly, anything else through JsonSerializer.</summary>
public static class JsonValues
{
    public static void Write(Utf8JsonWriter writer, object? value)
    {
        switch (value)
        {
            case null: writer.WriteNullValue(); break;
            case JsonElement { ValueKind: JsonValueKind.Undefined }: writer.WriteNullValue(); break;
            case JsonElement e: e.WriteTo(writer); break;
            case string s: writer.WriteStringValue(s); break;
            case bool b: writer.WriteBooleanValue(b); break;
            case int i: writer.WriteNumberValue(i); break;
            case long l: writer.WriteNumberValue(l); break;
            case double d: writer.WriteNumberValue(d); break;
            case float f: writer.WriteNumberValue(f); break;
            case decimal m: writer.WriteNumberValue(m); break;
            default: JsonSerializer.Serialize(writer, value, value.GetType()); break;
        }
    }

    /// <summary>The value as a JsonElement; null for null (and for a JSON null).</summary>
    public static JsonElement? ToElement(object? value) => value switch
    {
        null => null,
        JsonElement { ValueKind: JsonValueKind.Null or JsonValueKind.Undefined } => null,
        JsonElement e => e,
        _ => JsonSerializer.SerializeToElement(value, value.GetType()),
    };

    /// <summary>A JSON value as text: a string's own text, anything else as its JSON; null for null.</summary>
    public static string? Text(JsonElement? value) => value switch
    {
        null or { ValueKind: JsonValueKind.Null or JsonValueKind.Undefined } => null,
        { ValueKind: JsonValueKind.String } v => v.GetString(),
        { } v => v.GetRawText(),
    };

    /// <summary>The value converted to T (JsonSerializer's rules); default when null.</summary>
    public static T? As<T>(JsonElement? value) =>
        value is { ValueKind: not (JsonValueKind.Null or JsonValueKind.Undefined) } v ? v.Deserialize<T>() : default;
}
