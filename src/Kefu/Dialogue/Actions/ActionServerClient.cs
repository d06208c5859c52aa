using System.Net;
using System.Text;
using System.Text.Json;
using Kefu.Dialogue.Tracking;
using Kefu.Projects;

namespace Kefu.Dialogue.Actions;

/// <summary>What an action server answered: events and messages to apply, or a rejection.</summary>
public abstract record ActionServerReply;

/// <summary>HTTP 200 {"events": [...], "responses": [...]}: Rasa event JSON and dispatcher messages, as sent.</summary>
public sealed record ActionServerSuccess(IReadOnlyList<JsonElement> Events, IReadOnlyList<JsonElement> Responses) : ActionServerReply;

/// <summary>HTTP 400 {"error", "action_name"}: the SDK's ActionExecutionRejection (a form that cannot use the message).</summary>
public sealed record ActionServerRejection(string ActionName, string? Error) : ActionServerReply;

/// <summary>The action server could not be reached, failed, was too slow or answered something unreadable.</summary>
public sealed class ActionServerException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>
/// Rasa's action-server protocol (rasa/core/actions/action.py, RemoteAction): POST {next_action, sender_id,
/// tracker, domain, version} to the action endpoint. Thread-safe; one client serves every conversation.
/// </summary>
public sealed class ActionServerClient
{
    /// <summary>The Rasa version sent as "version": the protocol Kefu speaks (the SDK only warns on a mismatch).</summary>
    public const string RasaVersion = "3.6.20";

    private const int MaxErrorBodyChars = 300;

    private readonly HttpClient http;
    private volatile DomainAsJson? domainJson;

    public ActionServerClient(HttpClient http, ActionServerEndpoint endpoint)
    {
        this.http = http;
        Endpoint = endpoint;
    }

    /// <summary>
    /// A client with its own long-lived HttpClient; connections are renewed every few minutes so a moved
    /// action server (DNS) is found again.
    /// </summary>
    public static ActionServerClient Create(ActionServerEndpoint endpoint) =>
        new(new HttpClient(new SocketsHttpHandler
        {
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
            ConnectTimeout = endpoint.Timeout,
        }) { Timeout = Timeout.InfiniteTimeSpan }, endpoint);

    public ActionServerEndpoint Endpoint { get; }

    /// <summary>
    /// Runs one action remotely. Returns the reply; throws <see cref="ActionServerException"/> on any failure
    /// (connection, timeout, HTTP error other than a rejection, malformed JSON), and
    /// <see cref="OperationCanceledException"/> only when <paramref name="ct"/> itself is cancelled.
    /// </summary>
    public async Task<ActionServerReply> RunAsync(string actionName, Tracker tracker, Domain domain, CancellationToken ct)
    {
        var where = $"action server {Endpoint.Url} (action {actionName})";
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(Endpoint.Timeout);
        HttpStatusCode status;
        string body;
        try
        {
            using var content = new ByteArrayContent(Request(actionName, tracker, domain));
            content.Headers.ContentType = new("application/json") { CharSet = "utf-8" };
            using var response = await http.PostAsync(Endpoint.RequestUri, content, timeout.Token).ConfigureAwait(false);
            status = response.StatusCode;
            body = await response.Content.ReadAsStringAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            throw;
        }
        catch (OperationCanceledException ex)
        {
            throw new ActionServerException($"{where} did not answer within {Endpoint.Timeout.TotalSeconds:0.###} s", ex);
        }
        catch (HttpRequestException ex)
        {
            throw new ActionServerException($"{where} could not be reached: {ex.Message}", ex);
        }

        if (status == HttpStatusCode.BadRequest && TryRejection(body) is { } rejection) return rejection;
        if (status != HttpStatusCode.OK)
            throw new ActionServerException($"{where} answered HTTP {(int)status}: {Shorten(ErrorText(body))}");
        return Success(body, where);
    }

    /// <summary>The request body: the tracker as Rasa's current_state(ALL) and the domain as Domain.as_dict().</summary>
    private byte[] Request(string actionName, Tracker tracker, Domain domain)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteString("next_action", actionName);
            w.WriteString("sender_id", tracker.ConversationId);
            w.WritePropertyName("tracker");
            WriteTracker(w, tracker);
            w.WritePropertyName("domain");
            JsonOf(domain).WriteTo(w);
            w.WriteString("version", RasaVersion);
            w.WriteEndObject();
        }
        return buffer.ToArray();
    }

    /// <summary>The tracker as Rasa's current_state(ALL), as the SDK and NLG servers read it.</summary>
    internal static void WriteTracker(Utf8JsonWriter w, Tracker tracker)
    {
        w.WriteStartObject();
        foreach (var p in TrackerJson.Build(tracker).EnumerateObject())
        {
            // The SDK reads latest_message as an object even before the first message.
            if (p.Name == "latest_message" && p.Value.ValueKind == JsonValueKind.Null)
            {
                w.WritePropertyName(p.Name);
                w.WriteStartObject();
                w.WriteEndObject();
            }
            else p.WriteTo(w);
        }
        w.WriteEndObject();
    }

    /// <summary>The domain's JSON is built once per domain instance (domains are immutable).</summary>
    private JsonElement JsonOf(Domain domain)
    {
        if (domainJson is { } cached && ReferenceEquals(cached.Domain, domain)) return cached.Json;
        var built = new DomainAsJson(domain, DomainJson.Build(domain));
        domainJson = built;
        return built.Json;
    }

    private sealed record DomainAsJson(Domain Domain, JsonElement Json);

    private static ActionServerSuccess Success(string body, string where)
    {
        JsonElement root;
        try
        {
            using var doc = JsonDocument.Parse(body);
            root = doc.RootElement.Clone();
        }
        catch (JsonException ex)
        {
            throw new ActionServerException($"{where} answered invalid JSON ({ex.Message}): {Shorten(body)}", ex);
        }
        if (root.ValueKind != JsonValueKind.Object)
            throw new ActionServerException($"{where} answered {root.ValueKind} JSON, expected an object with \"events\" and \"responses\"");
        return new ActionServerSuccess(List(root, "events", where), List(root, "responses", where));
    }

    private static IReadOnlyList<JsonElement> List(JsonElement root, string name, string where)
    {
        if (!root.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null) return [];
        if (value.ValueKind != JsonValueKind.Array)
            throw new ActionServerException($"{where} answered \"{name}\" as {value.ValueKind}, expected an array");
        var items = value.EnumerateArray().ToList();
        for (int i = 0; i < items.Count; i++)
            if (items[i].ValueKind != JsonValueKind.Object)
                throw new ActionServerException($"{where} answered {name}[{i}] as {items[i].ValueKind}, expected an object");
        return items;
    }

    private static ActionServerRejection? TryRejection(string body)
    {
        try
        {
            using var doc = JsonDocument.Parse(body);
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("action_name", out var name)
                || name.ValueKind != JsonValueKind.String)
                return null;
            return new ActionServerRejection(name.GetString()!,
                root.TryGetProperty("error", out var e) && e.ValueKind == JsonValueKind.String ? e.GetString() : null);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>The SDK's {"error": ...} message when the body has one, else the body itself.</summary>
    private static string ErrorText(string body)
    {
        try
        {
            using var doc = JsonDocument.Parse(body);
            if (doc.RootElement.ValueKind == JsonValueKind.Object && doc.RootElement.TryGetProperty("error", out var e)
                && e.ValueKind == JsonValueKind.String)
                return e.GetString()!;
        }
        catch (JsonException)
        {
        }
        return body.Length == 0 ? "(empty body)" : body;
    }

    private static string Shorten(string s)
    {
        var oneLine = new StringBuilder(Math.Min(s.Length, MaxErrorBodyChars + 1));
        foreach (var ch in s.AsSpan(0, Math.Min(s.Length, MaxErrorBodyChars))) oneLine.Append(char.IsControl(ch) ? ' ' : ch);
        return s.Length > MaxErrorBodyChars ? oneLine.Append('…').ToString() : oneLine.ToString();
    }
}
