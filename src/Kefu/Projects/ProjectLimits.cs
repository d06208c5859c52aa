using System.Globalization;

namespace Kefu.Projects;

/// <summary>
/// Bounds on what reading a project may cost, so a hostile or broken file gives a diagnostic instead of a stack
/// overflow, an OutOfMemoryException or a training run that never ends. Each one can be changed with the
/// environment variable named in <see cref="Variables"/> (docs/project-format.md, "Limits").
/// </summary>
/// <param name="MaxFileBytes">Size of one YAML file.</param>
/// <param name="MaxProjectBytes">Size of all the YAML files of a project together.</param>
/// <param name="MaxYamlDepth">Mappings and lists nested in one another, counted from the top of a file.</param>
/// <param name="MaxAliasNodes">Nodes that aliases (*name) add to one file when expanded: the billion-laughs guard.</param>
/// <param name="MaxExamples">Lines of the whole project's nlu sections: intent examples, synonyms, regex patterns and lookup entries.</param>
/// <param name="MaxRegexPatterns">Regex patterns plus lookup tables: each one is a regex run on every message.</param>
/// <param name="MaxDiagnosticsPerFile">Diagnostics shown per file; the rest are counted in one line.</param>
public sealed record ProjectLimits(
    long MaxFileBytes = 10 * 1024 * 1024,
    long MaxProjectBytes = 20 * 1024 * 1024,
    int MaxYamlDepth = 64,
    long MaxAliasNodes = 100_000,
    int MaxExamples = 100_000,
    int MaxRegexPatterns = 1_000,
    int MaxDiagnosticsPerFile = 200)
{
    public static ProjectLimits Default { get; } = new();

    // Deeper than this, the readers' own recursion (YamlDotNet's node tree, the JSON conversion) risks the stack
    // of a thread-pool thread, so a larger setting is refused rather than trusted.
    public const int MaxSupportedYamlDepth = 1000;

    /// <summary>Environment variable per limit, with how to set and read it.</summary>
    public static IReadOnlyList<(string Name, Func<ProjectLimits, long> Get, Func<ProjectLimits, long, ProjectLimits> Set, long Max)> Variables { get; } =
    [
        ("KEFU_MAX_FILE_BYTES", l => l.MaxFileBytes, (l, v) => l with { MaxFileBytes = v }, long.MaxValue),
        ("KEFU_MAX_PROJECT_BYTES", l => l.MaxProjectBytes, (l, v) => l with { MaxProjectBytes = v }, long.MaxValue),
        ("KEFU_MAX_YAML_DEPTH", l => l.MaxYamlDepth, (l, v) => l with { MaxYamlDepth = (int)v }, MaxSupportedYamlDepth),
        ("KEFU_MAX_ALIAS_NODES", l => l.MaxAliasNodes, (l, v) => l with { MaxAliasNodes = v }, long.MaxValue),
        ("KEFU_MAX_EXAMPLES", l => l.MaxExamples, (l, v) => l with { MaxExamples = (int)v }, int.MaxValue),
        ("KEFU_MAX_REGEX_PATTERNS", l => l.MaxRegexPatterns, (l, v) => l with { MaxRegexPatterns = (int)v }, int.MaxValue),
        ("KEFU_MAX_DIAGNOSTICS_PER_FILE", l => l.MaxDiagnosticsPerFile, (l, v) => l with { MaxDiagnosticsPerFile = (int)v }, int.MaxValue),
    ];

    /// <summary>The defaults with every limit the environment sets; a value that is not a whole number in range is a problem, and the default stays.</summary>
    public static (ProjectLimits Limits, IReadOnlyList<string> Problems) FromEnvironment(Func<string, string?>? getVariable = null)
    {
        getVariable ??= Environment.GetEnvironmentVariable;
        var limits = Default;
        var problems = new List<string>();
        foreach (var (name, get, set, max) in Variables)
        {
            if (getVariable(name) is not { } text || text.Trim().Length == 0) continue;
            if (long.TryParse(text.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out long value) && value >= 1 && value <= max)
                limits = set(limits, value);
            else
                problems.Add($"{name} is '{Snippets.Quote(text)}'; give a whole number from 1 to {max} (the default {get(Default)} is used)");
        }
        return (limits, problems);
    }
}
