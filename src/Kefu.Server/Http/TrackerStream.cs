using System.Reflection;
using System.Text.Json;
using Kefu.Dialogue;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Kefu.Server.Http;

/// <summary>Rasa's EventVerbosity: which events a tracker answer carries (<c>include_events</c>).</summary>
internal enum EventVerbosity
{
    /// <summary>Every event.</summary>
    All,

    /// <summary>The events after the latest "restart" (all of them when there is none): Rasa's default.</summary>
    AfterRestart,

    /// <summary>The events the state is folded from: from the latest session start or restart on, reverted turns taken out.</summary>
    Applied,

    /// <summary>No events: "events" is null.</summary>
    None,
}

/// <summary>
/// A tracker answer written as it is read: the state from the engine, then the events from the store one stored turn
/// at a time, flushed to the client every <see cref="FlushBytes"/>. However long the conversation, the server holds a
/// turn and a buffer, never the whole JSON (a 1,636-message conversation was a 154 MB string per reader).
/// </summary>
internal sealed class TrackerStream(string conversationId, TrackerHead head, EventVerbosity verbosity)
    : IResult, IEndpointMetadataProvider
{
    private const int FlushBytes = 32 * 1024;

    /// <summary>
    /// When set, the tracker is the property <c>Name</c> of an outer object whose other properties <c>Others</c> writes:
    /// Rasa's {"tracker", "messages"} (trigger_intent, execute) and {"scores", "policy", "confidence", "tracker"} (predict).
    /// </summary>
    public (string Name, Action<Utf8JsonWriter> Others)? Envelope { get; init; }
    private static readonly string[] SessionStarts = ["restart", "session_started"];
    private static readonly string[] Restarts = ["restart"];

    /// <summary>The <c>include_events</c> query value (case-insensitive, as Rasa reads it); AFTER_RESTART when absent.</summary>
    public static (EventVerbosity? Verbosity, string? Problem) ParseVerbosity(string? value) => value?.ToUpperInvariant() switch
    {
        null => (EventVerbosity.AfterRestart, null),
        "ALL" => (EventVerbosity.All, null),
        "AFTER_RESTART" => (EventVerbosity.AfterRestart, null),
        "APPLIED" => (EventVerbosity.Applied, null),
        "NONE" => (EventVerbosity.None, null),
        _ => (null, $"include_events is \"{value}\"; expected ALL, AFTER_RESTART, APPLIED or NONE"),
    };

    public async Task ExecuteAsync(HttpContext context)
    {
        var store = context.RequestServices.GetRequiredService<IEventStore>();
        var ct = context.RequestAborted;
        var response = context.Response;
        response.ContentType = "application/json; charset=utf-8";
        // The writer buffers until the first flush, so a store that fails at its first read still gets a ProblemDetails.
        await using var writer = new Utf8JsonWriter(response.Body);
        try
        {
            if (Envelope is { } outer)
            {
                writer.WriteStartObject();
                outer.Others(writer);
                writer.WritePropertyName(outer.Name);
            }
            writer.WriteStartObject();
            foreach (var property in head.State.EnumerateObject())
                property.WriteTo(writer);
            writer.WritePropertyName("events");
            if (verbosity == EventVerbosity.None)
                writer.WriteNullValue();
            else
            {
                writer.WriteStartArray();
                await WriteEventsAsync(writer, store, ct);
                writer.WriteEndArray();
            }
            writer.WriteEndObject();
            if (Envelope is not null)
                writer.WriteEndObject();
            await writer.FlushAsync(ct);
        }
        catch (Exception e) when (response.HasStarted && !ct.IsCancellationRequested)
        {
            // Half an answer cannot become a ProblemDetails: end the connection so the client sees it broken, not short.
            context.RequestServices.GetRequiredService<ILogger<TrackerStream>>().LogError(
                "The tracker of {Conversation} broke off after {Bytes} bytes: {Problem}",
                conversationId, writer.BytesCommitted, e.Message.ReplaceLineEndings(" "));
            context.Abort();
        }
    }

    private async Task WriteEventsAsync(Utf8JsonWriter writer, IEventStore store, CancellationToken ct)
    {
        var count = head.EventCount;
        if (verbosity == EventVerbosity.Applied)
        {
            var start = Math.Max(0, await store.LastIndexOfAsync(conversationId, SessionStarts, count, ct));
            var applied = await AppliedAsync(store, start, count, ct);
            var next = 0;
            var index = start;
            await foreach (var e in store.ReadAsync(conversationId, start, ct))
            {
                if (next == applied.Count)
                    break;
                if (applied[next] == index++)
                {
                    next++;
                    await WriteAsync(writer, e, ct);
                }
            }
            return;
        }

        var from = verbosity == EventVerbosity.AfterRestart ? await store.LastIndexOfAsync(conversationId, Restarts, count, ct) + 1 : 0;
        var at = from;
        await foreach (var e in store.ReadAsync(conversationId, from, ct))
        {
            if (at++ >= count)
                break;
            await WriteAsync(writer, e, ct);
        }
    }

    /// <summary>
    /// Indexes of the applied events in [start, count): the engine's Tracker.AppliedEvents worked out from the event types
    /// alone (the first pass of two over the store), so only the indexes are held: 4 bytes an event, not the event.
    /// </summary>
    private async Task<List<int>> AppliedAsync(IEventStore store, int start, int count, CancellationToken ct)
    {
        var applied = new List<int>();
        var types = new List<string>();
        var index = start;
        await foreach (var e in store.ReadAsync(conversationId, start, ct))
        {
            if (index >= count)
                break;
            switch (e.Type)
            {
                case "undo":
                    UndoTillPrevious("action");
                    break;
                case "rewind":
                    // A user message implies the action_listen before it: undo both.
                    UndoTillPrevious("user");
                    UndoTillPrevious("action");
                    break;
                default:
                    applied.Add(index);
                    types.Add(e.Type);
                    break;
            }
            index++;
        }
        return applied;

        void UndoTillPrevious(string type)
        {
            for (var i = applied.Count - 1; i >= 0; i--)
            {
                var found = types[i] == type;
                applied.RemoveAt(i);
                types.RemoveAt(i);
                if (found)
                    return;
            }
        }
    }

    private static async ValueTask WriteAsync(Utf8JsonWriter writer, StoredEvent e, CancellationToken ct)
    {
        WriteEvent(writer, e);
        if (writer.BytesPending >= FlushBytes)
            await writer.FlushAsync(ct);
    }

    /// <summary>
    /// One event in Rasa's shape. The engine stores exactly that ({"event", "timestamp", ...}), which goes out as it is;
    /// a body stored without them (another IChatService) gets "event" and "timestamp" from the stored record.
    /// </summary>
    private static void WriteEvent(Utf8JsonWriter writer, StoredEvent e)
    {
        var reader = new Utf8JsonReader(e.Utf8Json);
        if (reader.Read() && reader.TokenType == JsonTokenType.StartObject && reader.Read()
            && reader.TokenType == JsonTokenType.PropertyName && reader.ValueTextEquals("event"u8))
        {
            writer.WriteRawValue(e.Utf8Json, skipInputValidation: true);
            return;
        }
        using var body = JsonDocument.Parse(e.Utf8Json);
        writer.WriteStartObject();
        writer.WriteString("event", e.Type);
        writer.WriteNumber("timestamp", e.Timestamp.ToUnixTimeMilliseconds() / 1000.0);
        if (body.RootElement.ValueKind == JsonValueKind.Object)
            foreach (var property in body.RootElement.EnumerateObject())
                if (property.Name is not ("event" or "timestamp"))
                    property.WriteTo(writer);
        writer.WriteEndObject();
    }

    public static void PopulateMetadata(MethodInfo method, EndpointBuilder builder) =>
        builder.Metadata.Add(new ProducesResponseTypeMetadata(StatusCodes.Status200OK, typeof(JsonElement), ["application/json"]));
}
