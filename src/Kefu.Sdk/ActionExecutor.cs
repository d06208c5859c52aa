using System.Text.Encodings.Web;
using System.Text.Json;

namespace Kefu.Sdk;

/// <summary>An action server's answer: the HTTP status and the JSON body.</summary>
public sealed record ActionServerResponse(int StatusCode, byte[] Body)
{
    public string BodyText => System.Text.Encoding.UTF8.GetString(Body);
}

/// <summary>
/// Runs actions for Rasa's action-server protocol (rasa_sdk/executor.py and endpoint.py). The request is
/// {"next_action", "sender_id", "tracker", "domain", "version"}; the answer is 200 {"events": [...], "responses": [...]},
/// 400 {"error", "action_name"} when the action rejected the message, 404 {"error", "action_name"} for an unknown
/// action, 400 {"error"} for a request it cannot read and 500 {"error"} when the action threw.
/// </summary>
public sealed class ActionExecutor
{
    private static readonly JsonWriterOptions WriterOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private readonly Dictionary<string, CustomAction> actions = new(StringComparer.Ordinal);

    public ActionExecutor(IEnumerable<CustomAction> actions)
    {
        foreach (var a in actions)
            if (!this.actions.TryAdd(a.Name, a))
                throw new ArgumentException($"two actions are named {a.Name}: {this.actions[a.Name].GetType().FullName} and {a.GetType().FullName}");
    }

    /// <summary>The actions' names, sorted.</summary>
    public IReadOnlyList<string> ActionNames => actions.Keys.Order(StringComparer.Ordinal).ToList();

    public CustomAction? Find(string name) => actions.GetValueOrDefault(name);

    /// <summary>Runs the action a request body names. An exception of the action becomes a 500 answer, not a throw.</summary>
    public async Task<ActionServerResponse> RunAsync(ReadOnlyMemory<byte> requestJson)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(requestJson);
        }
        catch (JsonException e)
        {
            return Error(400, $"the request is not JSON: {e.Message}");
        }
        using (document) return await RunAsync(document.RootElement).ConfigureAwait(false);
    }

    public async Task<ActionServerResponse> RunAsync(JsonElement request)
    {
        if (request.ValueKind != JsonValueKind.Object) return Error(400, "the request must be a JSON object with \"next_action\" and \"tracker\"");
        if (Json.Str(request, "next_action") is not { Length: > 0 } name) return Error(400, "the request names no \"next_action\"");
        if (!actions.TryGetValue(name, out var action)) return Error(404, $"No registered action found for name '{name}'.", name);
        Tracker tracker;
        Domain domain;
        try
        {
            tracker = Tracker.FromJson(request.TryGetProperty("tracker", out var t) ? t : default, Json.Str(request, "sender_id"));
            domain = Domain.FromJson(request.TryGetProperty("domain", out var d) ? d : default);
        }
        catch (FormatException e)
        {
            return Error(400, e.Message);
        }
        var dispatcher = new CollectingDispatcher();
        IReadOnlyList<ActionEvent> events;
        try
        {
            events = await action.RunAsync(dispatcher, tracker, domain).ConfigureAwait(false);
        }
        catch (ActionExecutionRejection rejection)
        {
            return Error(400, rejection.Message, rejection.ActionName);
        }
        catch (Exception e)
        {
            return Error(500, $"action {name} failed: {e.GetType().Name}: {e.Message}");
        }
        return new ActionServerResponse(200, Write(w =>
        {
            w.WriteStartObject();
            w.WriteStartArray("events");
            foreach (var e in events ?? []) e.WriteTo(w);
            w.WriteEndArray();
            w.WriteStartArray("responses");
            foreach (var m in dispatcher.Messages) m.WriteTo(w);
            w.WriteEndArray();
            w.WriteEndObject();
        }));
    }

    private static ActionServerResponse Error(int status, string error, string? actionName = null) => new(status, Write(w =>
    {
        w.WriteStartObject();
        w.WriteString("error", error);
        if (actionName is not null) w.WriteString("action_name", actionName);
        w.WriteEndObject();
    }));

    private static byte[] Write(Action<Utf8JsonWriter> write)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer, WriterOptions)) write(w);
        return buffer.ToArray();
    }
}
