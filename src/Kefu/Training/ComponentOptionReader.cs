using System.Text.Json;
using Kefu.Projects;

namespace Kefu.Training;

/// <summary>
/// Typed reads of one config.yml component's options: a value of the wrong type is an error at its file:line, an
/// option the component does not know is a warning that says it is ignored. <see cref="ThrowIfErrors"/> ends the read.
/// </summary>
public sealed class ComponentOptionReader(ComponentConfig component, IReadOnlyCollection<string> known, IProgress<string>? warnings)
{
    readonly List<Diagnostic> errors = [];
    readonly ComponentOptions o = Warn(component, known, warnings);

    static ComponentOptions Warn(ComponentConfig component, IReadOnlyCollection<string> known, IProgress<string>? warnings)
    {
        foreach (var option in component.Options.Entries.Where(e => !known.Contains(e.Key)))
            warnings?.Report($"{option.Location}: warning: {component.Name} has no option '{option.Key}'; it is ignored (known: {string.Join(", ", known)})");
        return component.Options;
    }

    public bool Has(string key) => o.Find(key) is not null;

    public string? Text(string key)
    {
        if (o.Find(key) is not { } option || option.Value.ValueKind == JsonValueKind.Null) return null;
        if (option.Value.ValueKind == JsonValueKind.String) return option.Value.GetString();
        Error(key, $"must be a string, got {option.Value}");
        return null;
    }

    public int Int(string key, int fallback) => Number(key, fallback, v => (v.TryGetInt32(out int i), i), "an integer");

    public float Float(string key, float fallback) => Number(key, fallback, v => (double.IsFinite(v.GetDouble()), (float)v.GetDouble()), "a number");

    public bool Bool(string key, bool fallback)
    {
        if (o.Find(key) is not { } option) return fallback;
        if (option.Value.ValueKind is JsonValueKind.True or JsonValueKind.False) return option.Value.GetBoolean();
        Error(key, $"must be true or false, got {option.Value}");
        return fallback;
    }

    /// <summary>One of <paramref name="choices"/> (names as written in config.yml), or the fallback when absent.</summary>
    public T Choice<T>(string key, T fallback, IReadOnlyDictionary<string, T> choices)
    {
        if (Text(key) is not { } text) return fallback;
        if (choices.TryGetValue(text, out var value)) return value;
        Error(key, $"'{text}' is not one of {string.Join(", ", choices.Keys)}");
        return fallback;
    }

    /// <summary>An error about option <paramref name="key"/> (at its line) or, when absent, the component.</summary>
    public void Error(string? key, string message) => errors.Add(new Diagnostic(Severity.Error,
        (key is null ? null : o.Find(key)?.Location) ?? component.Location,
        key is null ? $"{component.Name}: {message}" : $"{component.Name} option '{key}' {message}"));

    public void ThrowIfErrors()
    {
        if (errors.Count > 0) throw new ProjectException(errors);
    }

    T Number<T>(string key, T fallback, Func<JsonElement, (bool Ok, T Value)> read, string what)
    {
        if (o.Find(key) is not { } option) return fallback;
        var (ok, value) = option.Value.ValueKind == JsonValueKind.Number ? read(option.Value) : (false, fallback);
        if (!ok) Error(key, $"must be {what}, got {option.Value}");
        return ok ? value : fallback;
    }
}
