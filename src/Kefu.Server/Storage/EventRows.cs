using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.Encodings.Web;
using System.Text.Json;
using Kefu.Dialogue;

namespace Kefu.Server.Storage;

/// <summary>
/// One stored append (a turn's events, in order) as the stores keep it in a row: [{"type", "timestamp", "event"}, ...]
/// with each event's JSON as the engine wrote it. SQLite and PostgreSQL hold the same text.
/// </summary>
internal static class EventRows
{
    public static readonly JsonWriterOptions WriterOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, SkipValidation = true };

    /// <summary>Writes the row; the caller flushes. Throws ArgumentException for an event without a type or JSON.</summary>
    public static void Write(Utf8JsonWriter json, IReadOnlyList<StoredEvent> events)
    {
        Span<char> timestamp = stackalloc char[40];
        json.WriteStartArray();
        foreach (var e in events)
        {
            if (string.IsNullOrEmpty(e.Type) || e.Utf8Json is not { Length: > 0 })
                throw new ArgumentException("an event needs a type and its JSON");
            json.WriteStartObject();
            json.WriteString("type", e.Type);
            e.Timestamp.TryFormat(timestamp, out var length, "O", CultureInfo.InvariantCulture);
            json.WriteString("timestamp", timestamp[..length]);
            json.WritePropertyName("event");
            json.WriteRawValue(e.Utf8Json, skipInputValidation: true);
            json.WriteEndObject();
        }
        json.WriteEndArray();
    }

    /// <summary>The row as UTF-8 bytes, for stores that bind it whole.</summary>
    public static byte[] ToUtf8(IReadOnlyList<StoredEvent> events)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(1024);
        using (var json = new Utf8JsonWriter(buffer, WriterOptions))
            Write(json, events);
        return buffer.WrittenSpan.ToArray();
    }

    public static StoredEvent[] Read(ReadOnlyMemory<byte> row)
    {
        using var json = JsonDocument.Parse(row);
        var events = new StoredEvent[json.RootElement.GetArrayLength()];
        var i = 0;
        foreach (var e in json.RootElement.EnumerateArray())
            events[i++] = new StoredEvent(e.GetProperty("type").GetString()!, JsonMarshal.GetRawUtf8Value(e.GetProperty("event")).ToArray(),
                DateTimeOffset.ParseExact(e.GetProperty("timestamp").GetString()!, "O", CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind));
        return events;
    }
}
