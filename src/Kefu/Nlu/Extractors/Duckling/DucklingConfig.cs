using System.Text.Json;
using Kefu.Projects;

namespace Kefu.Nlu.Extractors.Duckling;

/// <summary>
/// config.yml's `- name: DucklingEntityExtractor`, as Rasa reads it, kept in the model archive with the NLU config:
/// <list type="bullet">
/// <item><c>dimensions</c>: the dimensions to extract (default: all of <see cref="DucklingDimensions.All"/>);</item>
/// <item><c>locale</c>: zh_CN, en_US... (default from config.yml's language, as Rasa's: zh → zh_CN); sent to a server;</item>
/// <item><c>timezone</c>: an IANA zone such as Asia/Shanghai, in which relative times resolve (default: the zone of the
/// machine that parses; see <see cref="ResolveTimeZone"/>);</item>
/// <item><c>url</c>: a Duckling server's address; with it, Duckling's own dimensions come from that server's /parse
/// (RASA_DUCKLING_HTTP_URL overrides it, as in Rasa), and <c>timeout</c> (seconds, default 3) bounds each call;</item>
/// <item><c>override_trained</c> (Kefu's): when true, an entity of the trained extractors (CRF, regex, lookup) that
/// overlaps a Duckling entity of the same name is dropped; by default both are kept, as Rasa keeps them.</item>
/// </list>
/// </summary>
public sealed record DucklingConfig(
    IReadOnlyList<string> Dimensions,
    string Locale,
    string? TimeZone = null,
    string? Url = null,
    double TimeoutSeconds = 3,
    bool OverrideTrained = false)
{
    public const string ComponentName = "DucklingEntityExtractor";
    public const string UrlVariable = "RASA_DUCKLING_HTTP_URL";

    static readonly string[] Known = ["dimensions", "locale", "timezone", "url", "timeout", "override_trained"];

    /// <summary>Reads and checks the component's options; throws <see cref="ProjectException"/> with the line of a bad one.</summary>
    public static DucklingConfig Read(ComponentConfig component, string? language, IProgress<string>? warnings = null)
    {
        var o = component.Options;
        var errors = new List<Diagnostic>();
        foreach (var option in o.Entries.Where(e => !Known.Contains(e.Key)))
            warnings?.Report($"{option.Location}: warning: {ComponentName} has no option '{option.Key}'; it is ignored (known: {string.Join(", ", Known)})");

        string? Text(string key)
        {
            if (o.Find(key) is not { } option || option.Value.ValueKind == JsonValueKind.Null) return null;
            if (option.Value.ValueKind == JsonValueKind.String) return option.Value.GetString();
            errors.Add(new Diagnostic(Severity.Error, option.Location, $"{ComponentName} option '{key}' must be a string, got {option.Value}"));
            return null;
        }

        string? url = Text("url");
        if (url is not null && !IsHttpUrl(url))
            errors.Add(new Diagnostic(Severity.Error, o.Find("url")!.Location, $"{ComponentName} option 'url' must be an http(s) address such as http://localhost:8000, got '{url}'"));

        var dimensions = new List<string>();
        if (o.Find("dimensions") is { } dims && dims.Value.ValueKind != JsonValueKind.Null)
        {
            if (dims.Value.ValueKind != JsonValueKind.Array || dims.Value.EnumerateArray().Any(d => d.ValueKind != JsonValueKind.String))
                errors.Add(new Diagnostic(Severity.Error, dims.Location, $"{ComponentName} option 'dimensions' must be a list of names such as [time, number]"));
            else
                foreach (var d in dims.Value.EnumerateArray().Select(d => d.GetString()!).Distinct())
                {
                    if (DucklingDimensions.All.Contains(d) || url is not null) dimensions.Add(d);
                    else warnings?.Report($"{dims.Location}: warning: {ComponentName} has no built-in dimension '{d}'; it is ignored " +
                        $"(built in: {string.Join(", ", DucklingDimensions.All)}; a Duckling server named by 'url' has more)");
                }
        }
        else dimensions.AddRange(DucklingDimensions.All);

        string? zone = Text("timezone");
        if (zone is not null && FindTimeZone(zone) is null)
            errors.Add(new Diagnostic(Severity.Error, o.Find("timezone")!.Location, $"{ComponentName} option 'timezone': no time zone '{zone}' on this machine; name an IANA zone such as Asia/Shanghai"));

        double timeout = 3;
        if (o.Find("timeout") is { } t)
        {
            if (t.Value.ValueKind == JsonValueKind.Number && t.Value.GetDouble() is > 0 and var v && double.IsFinite(v)) timeout = v;
            else errors.Add(new Diagnostic(Severity.Error, t.Location, $"{ComponentName} option 'timeout' must be a positive number of seconds, got {t.Value}"));
        }
        if (errors.Count > 0) throw new ProjectException(errors);
        return new DucklingConfig(dimensions, Text("locale") ?? DefaultLocale(language), zone, url, timeout, o.GetBool("override_trained", false));
    }

    /// <summary>Rasa's fallback locale from the model's language: zh → zh_CN, en → en_US, de → de_DE.</summary>
    public static string DefaultLocale(string? language) => language?.ToLowerInvariant() switch
    {
        null or "" => "zh_CN",
        "zh" => "zh_CN",
        "en" => "en_US",
        var l when l.Contains('_') || l.Contains('-') => l.Replace('-', '_'),
        var l => $"{l}_{l.ToUpperInvariant()}",
    };

    /// <summary>The configured zone, or this machine's when none is named (docs/extractors.md says to name one).</summary>
    public TimeZoneInfo ResolveTimeZone() => TimeZone is { } id ? FindTimeZone(id) ?? TimeZoneInfo.Local : TimeZoneInfo.Local;

    /// <summary>The server to call: RASA_DUCKLING_HTTP_URL when set, else <see cref="Url"/>; null for the built-in extractors.</summary>
    public string? EffectiveUrl() => Environment.GetEnvironmentVariable(UrlVariable) is { Length: > 0 } fromEnvironment ? fromEnvironment : Url;

    static TimeZoneInfo? FindTimeZone(string id)
    {
        try
        {
            return TimeZoneInfo.FindSystemTimeZoneById(id);
        }
        catch (Exception e) when (e is TimeZoneNotFoundException or InvalidTimeZoneException)
        {
            return null;
        }
    }

    static bool IsHttpUrl(string url) =>
        Uri.TryCreate(url, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https";
}
