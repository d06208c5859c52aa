using System.Text.Json;

namespace Kefu.Nlu;

/// <summary>
/// An entity's value and extractor fields in Rasa's parse JSON: a trained entity's value is its text; a Duckling
/// entity's is structured as Rasa gives it (a number, an ISO time, {"to", "from"} for an interval), followed by
/// "extractor" and "additional_info".
/// </summary>
public static class EntityJson
{
    /// <summary>Writes "value": the structured value when the entity has one, else <see cref="EntitySpan.Value"/>.</summary>
    public static void WriteValue(Utf8JsonWriter w, EntitySpan e)
    {
        w.WritePropertyName("value");
        if (e.AdditionalInfo is not { ValueKind: JsonValueKind.Object } info)
        {
            w.WriteStringValue(e.Value);
            return;
        }
        if (info.TryGetProperty("type", out var type) && type.ValueKind == JsonValueKind.String && type.GetString() == "interval")
        {
            w.WriteStartObject();
            WriteBound(w, info, "to");
            WriteBound(w, info, "from");
            w.WriteEndObject();
        }
        else if (info.TryGetProperty("value", out var value)) value.WriteTo(w);
        else w.WriteStringValue(e.Value);
    }

    /// <summary>Writes "extractor" and "additional_info" when the entity has them (Duckling's).</summary>
    public static void WriteExtractor(Utf8JsonWriter w, EntitySpan e)
    {
        if (e.Extractor is { } extractor) w.WriteString("extractor", extractor);
        if (e.AdditionalInfo is { } info)
        {
            w.WritePropertyName("additional_info");
            info.WriteTo(w);
        }
    }

    /// <summary>The "value" <see cref="WriteValue"/> writes, as an element.</summary>
    public static JsonElement Value(EntitySpan e)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            WriteValue(w, e);
            w.WriteEndObject();
        }
        using var document = JsonDocument.Parse(buffer.ToArray());
        return document.RootElement.GetProperty("value").Clone();
    }

    static void WriteBound(Utf8JsonWriter w, JsonElement interval, string bound)
    {
        w.WritePropertyName(bound);
        if (interval.TryGetProperty(bound, out var b) && b.ValueKind == JsonValueKind.Object && b.TryGetProperty("value", out var v)) v.WriteTo(w);
        else w.WriteNullValue();
    }
}
