using System.Text.Json;

namespace Kefu.Projects;

/// <summary>config.yml: the NLU pipeline and the dialogue policies, each component with its options.</summary>
public sealed record ProjectConfig(
    string? Recipe,
    string? Language,
    string? AssistantId,
    IReadOnlyList<ComponentConfig> Pipeline,
    IReadOnlyList<ComponentConfig> Policies)
{
    public static ProjectConfig Empty { get; } = new(null, null, null, [], []);

    /// <summary>
    /// Reads one config.yml on its own (`kefu nlu bench --config`); throws <see cref="ProjectException"/> on errors and
    /// hands warnings to <paramref name="warnings"/>.
    /// </summary>
    public static ProjectConfig Load(string path, Action<Diagnostic>? warnings = null)
    {
        var (limits, problems) = ProjectLimits.FromEnvironment();
        var diagnostics = new Yaml.DiagnosticBag(limits.MaxDiagnosticsPerFile);
        if (!File.Exists(path))
            throw new ProjectException([new Diagnostic(Severity.Error, new SourceLocation(path, 1, 1), "no such config file")]);
        foreach (var problem in problems) diagnostics.Error(new SourceLocation(path, 1, 1), problem);
        var config = ConfigReader.Read(Yaml.YamlSource.Load(path, path, diagnostics, limits));
        var all = diagnostics.Sorted();
        if (all.Any(d => d.Severity == Severity.Error))
            throw new ProjectException(all);
        foreach (var warning in all)
            warnings?.Invoke(warning);
        return config;
    }

    public ComponentConfig? FindComponent(string name) => Pipeline.FirstOrDefault(c => c.Name == name);
    public ComponentConfig? FindPolicy(string name) => Policies.FirstOrDefault(c => c.Name == name);
}

/// <summary>One pipeline component or policy: `- name: DIETClassifier` with its other keys as options.</summary>
public sealed record ComponentConfig(string Name, ComponentOptions Options, SourceLocation Location);

/// <summary>A component's options, kept as given; the typed getters return the fallback when absent or of another type.</summary>
public sealed record ComponentOptions(IReadOnlyList<ComponentOption> Entries)
{
    public static ComponentOptions None { get; } = new([]);

    public ComponentOption? Find(string key) => Entries.FirstOrDefault(e => e.Key == key);

    public double GetDouble(string key, double fallback) =>
        Find(key)?.Value is { ValueKind: JsonValueKind.Number } v ? v.GetDouble() : fallback;

    public int GetInt(string key, int fallback) =>
        Find(key)?.Value is { ValueKind: JsonValueKind.Number } v && v.TryGetInt32(out var i) ? i : fallback;

    public bool GetBool(string key, bool fallback) => Find(key)?.Value.ValueKind switch
    {
        JsonValueKind.True => true,
        JsonValueKind.False => false,
        _ => fallback,
    };

    public string? GetString(string key, string? fallback = null) =>
        Find(key)?.Value is { ValueKind: JsonValueKind.String } v ? v.GetString() : fallback;
}

public sealed record ComponentOption(string Key, JsonElement Value, SourceLocation Location);
