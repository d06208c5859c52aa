using System.Text;
using System.Text.Json;
using Kefu.Dialogue.Actions;
using Kefu.Dialogue.Tracking;
using Kefu.Observability;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Kefu.Dialogue.Responses;

/// <summary>
/// Rasa's CallbackNaturalLanguageGenerator (rasa/core/nlg/callback.py): endpoints.yml's `nlg: {url, timeout, token,
/// token_name}` names an NLG server, and every response of the bot is POSTed to it as {"response": NAME, "arguments":
/// {}, "tracker": current_state(ALL), "channel": {"name"}}; the answer {"text", "buttons", "image", "custom", ...} is
/// the message sent. Where Rasa fails the action when the server does, Kefu keeps the domain's template and logs why
/// (unreachable, too slow, not 200, not a message); <c>kefu_nlg_responses_total</c> counts each outcome.
/// </summary>
public sealed class CallbackResponseGenerator(HttpClient http, ActionServerEndpoint endpoint, ILogger? logger = null) : IResponseGenerator
{
    private readonly ILogger logger = logger ?? NullLogger.Instance;

    public ActionServerEndpoint Endpoint => endpoint;

    /// <summary>
    /// The largest answer read: a larger one keeps the template rather than being held in memory, stored in the
    /// conversation and sent to the customer (Rasa reads any size; a 200 MB answer failed Kefu's turn with a 500).
    /// </summary>
    public const int MaxAnswerBytes = 1024 * 1024;

    /// <summary>A generator with its own long-lived HttpClient (connections renewed every few minutes, as the action server's).</summary>
    public static CallbackResponseGenerator Create(ActionServerEndpoint endpoint, ILogger? logger = null) =>
        new(new HttpClient(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5), ConnectTimeout = endpoint.Timeout })
            { Timeout = Timeout.InfiniteTimeSpan }, endpoint, logger);

    public async Task<BotMessage?> GenerateAsync(string response, BotMessage rendered, Tracker tracker, string? channel, CancellationToken ct)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(endpoint.Timeout);
        string? problem;
        BotMessage? message = null;
        try
        {
            using var content = new ByteArrayContent(Request(response, tracker, channel));
            content.Headers.ContentType = new("application/json") { CharSet = "utf-8" };
            using var request = new HttpRequestMessage(HttpMethod.Post, endpoint.RequestUri) { Content = content };
            using var reply = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token).ConfigureAwait(false);
            problem = !reply.IsSuccessStatusCode ? $"answered HTTP {(int)reply.StatusCode}"
                : await BodyAsync(reply.Content, timeout.Token).ConfigureAwait(false) is { } body ? Read(body, out message)
                : $"answered more than {MaxAnswerBytes} bytes";
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            throw;
        }
        catch (OperationCanceledException)
        {
            problem = $"did not answer within {endpoint.Timeout.TotalSeconds:0.###} s";
        }
        catch (HttpRequestException ex)
        {
            problem = $"could not be reached: {ex.Message}";
        }
        catch (IOException ex)
        {
            problem = $"broke off its answer: {ex.Message}";
        }
        if (problem is not null)
            logger.LogWarning("NLG server {Url} {Problem} for {Response}; the domain's template is sent", endpoint.Url, problem, response);
        KefuMetrics.NlgResponses.Add(1, new KeyValuePair<string, object?>("outcome", problem is null ? "generated" : "template"));
        return message;
    }

    /// <summary>The answer's text, or null when it is longer than <see cref="MaxAnswerBytes"/> (read no further).</summary>
    private static async Task<string?> BodyAsync(HttpContent content, CancellationToken ct)
    {
        if (content.Headers.ContentLength > MaxAnswerBytes) return null;
        await using var stream = await content.ReadAsStreamAsync(ct).ConfigureAwait(false);
        using var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        int read;
        while ((read = await stream.ReadAsync(chunk, ct).ConfigureAwait(false)) > 0)
        {
            if (buffer.Length + read > MaxAnswerBytes) return null;
            buffer.Write(chunk, 0, read);
        }
        Encoding encoding = Encoding.UTF8;
        try
        {
            if (content.Headers.ContentType?.CharSet is { Length: > 0 } charset) encoding = Encoding.GetEncoding(charset.Trim('"'));
        }
        catch (ArgumentException)
        {
            // an unknown charset is read as UTF-8, JSON's encoding
        }
        return encoding.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
    }

    private static byte[] Request(string response, Tracker tracker, string? channel)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteString("response", response);
            w.WritePropertyName("arguments");
            w.WriteStartObject();
            w.WriteEndObject();
            w.WritePropertyName("tracker");
            ActionServerClient.WriteTracker(w, tracker);
            w.WritePropertyName("channel");
            w.WriteStartObject();
            w.WriteString("name", channel);
            w.WriteEndObject();
            w.WriteEndObject();
        }
        return buffer.ToArray();
    }

    /// <summary>Rasa's nlg_response_format_spec: an object whose text and image are strings or null, buttons a list, custom an object.</summary>
    private static string? Read(string body, out BotMessage? message)
    {
        message = null;
        try
        {
            using var doc = JsonDocument.Parse(body);
            var o = doc.RootElement;
            if (o.ValueKind != JsonValueKind.Object) return "answered JSON that is not an object";
            foreach (var (key, kinds) in new[] { ("text", "string"), ("image", "string"), ("buttons", "array"), ("custom", "object") })
                if (o.TryGetProperty(key, out var v) && v.ValueKind != JsonValueKind.Null && !v.ValueKind.ToString().Equals(kinds, StringComparison.OrdinalIgnoreCase))
                    return $"answered \"{key}\" as {v.ValueKind.ToString().ToLowerInvariant()}, not {kinds}";
            // a button is sent as {title, payload} strings: another kind would reach the customer as a blank button
            if (o.TryGetProperty("buttons", out var buttons) && buttons.ValueKind == JsonValueKind.Array
                && buttons.EnumerateArray().Any(b => b.ValueKind != JsonValueKind.Object || !b.TryGetProperty("title", out var title)
                    || title.ValueKind != JsonValueKind.String
                    || (b.TryGetProperty("payload", out var payload) && payload.ValueKind is not (JsonValueKind.String or JsonValueKind.Null))))
                return "answered a button that is not {\"title\": TEXT, \"payload\": TEXT}";
            var read = RasaEventJson.BotMessageFromJson(o);
            read = read with
            {
                Buttons = read.Buttons is { Count: > 0 } ? read.Buttons : null,
                Custom = read.Custom is { ValueKind: JsonValueKind.Object } c && !c.EnumerateObject().Any() ? null : read.Custom?.Clone(),
            };
            if (string.IsNullOrEmpty(read.Text) && read.Image is null && read.Buttons is null && read.Custom is null)
                return "answered an empty message";
            message = read;
            return null;
        }
        catch (JsonException ex)
        {
            return $"answered malformed JSON ({ex.Message})";
        }
        catch (InvalidOperationException ex)
        {
            return $"answered a message Kefu cannot read ({ex.Message})";
        }
    }
}
