using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;

namespace Kefu.Nlu.Extractors.Duckling;

/// <summary>
/// Rasa's DucklingEntityExtractor: structured entities (times, numbers, money, durations, distances, phone numbers,
/// emails, urls, and Kefu's cn-id-card and bank-card) relative to a reference time, from Kefu's built-in extractors
/// (<see cref="BuiltInDuckling"/>) or, with a url, from a Duckling server (<see cref="DucklingHttpClient"/>; the
/// dimensions Duckling lacks still run built in). Each becomes an entity as Rasa's convert_duckling_format_to_rasa
/// makes it: entity = the dimension, extractor "DucklingEntityExtractor", additional_info = Duckling's value, and value
/// = its "value", or {"to", "from"} for an interval. Thread-safe.
/// </summary>
public sealed class DucklingEntityExtractor
{
    public const string Name = DucklingConfig.ComponentName;

    readonly TimeZoneInfo zone;
    readonly DucklingHttpClient? server;
    readonly string[] builtIn;      // dimensions extracted here
    readonly string[] remote;       // dimensions asked of the server

    public DucklingConfig Config { get; }

    /// <summary>Where warnings about an unreachable server go; standard error until the host gives its own logger.</summary>
    public ILogger Logger { get; set; } = StandardErrorLogger.Instance;

    public DucklingEntityExtractor(DucklingConfig config)
    {
        Config = config;
        zone = config.ResolveTimeZone();
        if (config.EffectiveUrl() is { } url && Uri.TryCreate(url, UriKind.Absolute, out var uri))
        {
            server = new DucklingHttpClient(uri, config.Locale, zone, TimeSpan.FromSeconds(config.TimeoutSeconds));
            remote = [.. config.Dimensions.Where(DucklingDimensions.IsDucklings)];
            builtIn = [.. config.Dimensions.Where(d => !DucklingDimensions.IsDucklings(d))];
        }
        else
        {
            remote = [];
            builtIn = [.. config.Dimensions.Where(DucklingDimensions.All.Contains)];
        }
    }

    public TimeZoneInfo TimeZone => zone;

    /// <summary>The Duckling entities of <paramref name="text"/>, relative times resolved from <paramref name="referenceTime"/>.</summary>
    public IReadOnlyList<EntitySpan> Extract(string text, DateTimeOffset referenceTime)
    {
        var matches = BuiltInDuckling.Parse(text, builtIn, referenceTime, zone);
        if (server is not null && remote.Length > 0)
        {
            matches.AddRange(server.Parse(text, remote, referenceTime, Logger));
            matches.Sort((a, b) => a.Start.CompareTo(b.Start));
        }
        return [.. matches.Select(m => ToEntity(text, m))];
    }

    /// <summary>
    /// The trained extractors' entities and Duckling's together, ordered by start. With override_trained, a trained
    /// entity that overlaps a Duckling one of the same name is dropped; otherwise both stay, as in Rasa.
    /// </summary>
    public IReadOnlyList<EntitySpan> Merge(IReadOnlyList<EntitySpan> trained, IReadOnlyList<EntitySpan> duckling)
    {
        if (duckling.Count == 0) return trained;
        var all = new List<EntitySpan>(trained.Count + duckling.Count);
        foreach (var e in trained)
            if (!Config.OverrideTrained || !duckling.Any(d => d.Entity == e.Entity && d.Start < e.End && e.Start < d.End))
                all.Add(e);
        all.AddRange(duckling);
        all.Sort((a, b) => a.Start.CompareTo(b.Start));
        return all;
    }

    static EntitySpan ToEntity(string text, DucklingMatch m) =>
        new(m.Start, m.End, m.Dimension, ValueText(m.Value))
        {
            Extractor = Name,
            AdditionalInfo = JsonSerializer.SerializeToElement(m.Value),
        };

    /// <summary>
    /// Rasa's extract_value as text: an interval is {"to": ..., "from": ...} in JSON; a string value is itself; a number
    /// is written as JSON writes it (3.5, 200).
    /// </summary>
    public static string ValueText(JsonObject value)
    {
        if (IsInterval(value)) return RasaValue(value)!.ToJsonString(Compact);
        return value["value"] switch
        {
            JsonValue v when v.GetValueKind() == JsonValueKind.String => v.GetValue<string>(),
            JsonValue v when v.GetValueKind() == JsonValueKind.Number => v.GetValue<double>().ToString(CultureInfo.InvariantCulture),
            null => "",
            var other => other.ToJsonString(Compact),
        };
    }

    // "+08:00" and Chinese as they are, not \u002B escapes
    static readonly JsonSerializerOptions Compact = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>The entity's "value" in Rasa's parse JSON: the value of Duckling's value, or {"to", "from"} of an interval.</summary>
    public static JsonNode? RasaValue(JsonObject value) =>
        IsInterval(value)
            ? new JsonObject { ["to"] = value["to"]?["value"]?.DeepClone(), ["from"] = value["from"]?["value"]?.DeepClone() }
            : value["value"]?.DeepClone();

    static bool IsInterval(JsonObject value) =>
        value["type"] is JsonValue type && type.GetValueKind() == JsonValueKind.String && type.GetValue<string>() == "interval";
}

/// <summary>Warnings to standard error, for the CLI and for hosts that set no logger: "warn: Kefu.Duckling: ...".</summary>
internal sealed class StandardErrorLogger : ILogger
{
    public static readonly StandardErrorLogger Instance = new();

    public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Warning;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        if (IsEnabled(logLevel)) Console.Error.WriteLine($"warn: Kefu.Duckling: {formatter(state, exception)}");
    }
}
