using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;

namespace Kefu.Nlu.Extractors.Duckling;

/// <summary>
/// A Duckling server (github.com/facebook/duckling, exe/ExampleMain.hs), called as Rasa's DucklingEntityExtractor
/// calls it: POST {url}/parse, form-encoded text, locale, tz, dims (a JSON array) and reftime (Unix milliseconds); the
/// answer is a JSON array of {"body", "start", "end", "dim", "value", "latent"} with start/end counted in characters
/// (code points). A server that is down, slow or answers garbage gives a logged warning and no entities.
/// The call is synchronous because parsing is (<see cref="NluModel.Parse(string)"/>); each waits at most the timeout.
/// </summary>
public sealed class DucklingHttpClient(Uri baseUrl, string locale, TimeZoneInfo zone, TimeSpan timeout)
{
    // One pool of connections for every model in the process; the timeout is per call.
    static readonly HttpClient Http = new(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5) })
    {
        Timeout = Timeout.InfiniteTimeSpan,
    };

    public Uri ParseUrl { get; } = new(baseUrl.ToString().TrimEnd('/') + "/parse");

    /// <summary>The server's matches of <paramref name="dimensions"/>, with UTF-16 offsets; empty (and a warning) on any failure.</summary>
    public List<DucklingMatch> Parse(string text, IReadOnlyCollection<string> dimensions, DateTimeOffset referenceTime, ILogger logger)
    {
        var form = new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["text"] = text,
            ["locale"] = locale,
            ["tz"] = zone.Id,
            ["dims"] = JsonSerializer.Serialize(dimensions),
            ["reftime"] = referenceTime.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture),
        });
        using var request = new HttpRequestMessage(HttpMethod.Post, ParseUrl) { Content = form };
        using var cancel = new CancellationTokenSource(timeout);
        try
        {
            using var response = Http.Send(request, cancel.Token);
            using var body = response.Content.ReadAsStream(cancel.Token);
            if (!response.IsSuccessStatusCode)
            {
                logger.LogWarning("Duckling at {Url} answered {Status}; no Duckling entities for this message", ParseUrl, (int)response.StatusCode);
                return [];
            }
            var answer = JsonNode.Parse(body) as JsonArray
                ?? throw new JsonException("the answer is not a JSON array");
            return Matches(text, answer, dimensions);
        }
        catch (Exception e) when (e is HttpRequestException or OperationCanceledException or JsonException or IOException
            or InvalidOperationException or FormatException)
        {
            string why = e is OperationCanceledException ? $"no answer within {timeout.TotalSeconds:0.###} s" : e.Message;
            logger.LogWarning("Duckling at {Url} failed: {Reason}; no Duckling entities for this message " +
                "(is the server running? docker run -p 8000:8000 rasa/duckling)", ParseUrl, why);
            return [];
        }
    }

    static List<DucklingMatch> Matches(string text, JsonArray answer, IReadOnlyCollection<string> dimensions)
    {
        var utf16 = Utf16Offsets(text);
        var matches = new List<DucklingMatch>();
        foreach (var item in answer)
        {
            if (item is not JsonObject o || o["dim"]?.GetValue<string>() is not { } dim || !dimensions.Contains(dim)) continue;
            if (o["value"] is not JsonObject value || o["start"] is not JsonValue s || o["end"] is not JsonValue e) continue;
            int start = s.GetValue<int>(), end = e.GetValue<int>();
            if (start < 0 || end < start || end >= utf16.Length) throw new FormatException($"a span [{start}, {end}) outside the text");
            matches.Add(new DucklingMatch(utf16[start], utf16[end], dim, (JsonObject)value.DeepClone()));
        }
        return matches;
    }

    /// <summary>[code point index] → UTF-16 index, one past the end included.</summary>
    static int[] Utf16Offsets(string text)
    {
        var offsets = new List<int>(text.Length + 1);
        for (int i = 0; i < text.Length; i++)
        {
            offsets.Add(i);
            if (char.IsHighSurrogate(text[i]) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1])) i++;
        }
        offsets.Add(text.Length);
        return [.. offsets];
    }
}
