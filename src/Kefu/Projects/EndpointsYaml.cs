using System.Text.RegularExpressions;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Kefu.Projects;

/// <summary>
/// Reading one section of endpoints.yml (`action_endpoint`, `llm`) when a bot starts: the section's mapping, its scalar
/// values with Rasa's `${VAR}` environment substitution, and errors at file:line:column.
/// </summary>
public static partial class EndpointsYaml
{
    /// <summary>The section's node, or null when the file, the section or its value is absent.</summary>
    public static YamlNode? Section(string yaml, string file, string section)
    {
        var stream = new YamlStream();
        try
        {
            // RasaProject has checked the file within the limits before a bot starts; this guard keeps the parse safe on its own.
            stream.Load(new Yaml.LimitedParser(new Parser(new StringReader(yaml)), ProjectLimits.Default));
        }
        catch (YamlException ex)
        {
            throw Error(file, ex.Start, $"{Path.GetFileName(file)} is not valid YAML: {ex.Message}");
        }
        if (stream.Documents.Count == 0 || stream.Documents[0].RootNode is not YamlMappingNode root) return null;
        if (!root.Children.TryGetValue(new YamlScalarNode(section), out var node)) return null;
        return node is YamlScalarNode { Value: null or "" or "null" or "~" } ? null : node;
    }

    public static YamlScalarNode? Scalar(YamlMappingNode map, string key, string file, string section)
    {
        if (!map.Children.TryGetValue(new YamlScalarNode(key), out var node)) return null;
        return node as YamlScalarNode ?? throw Error(file, node.Start, $"{section} {key} must be a single value");
    }

    /// <summary>How the error of an unset variable starts: `kefu data validate` reports it as the serving machine's to set.</summary>
    public const string UnsetVariable = "environment variable ";

    /// <summary>Rasa's `${VAR}` environment substitution; an unset variable is an error, as in Rasa.</summary>
    public static string Substitute(YamlScalarNode node, string file)
    {
        var value = node.Value ?? "";
        return EnvironmentVariable().Replace(value, m => Environment.GetEnvironmentVariable(m.Groups[1].Value)
            ?? throw Error(file, node.Start, $"{UnsetVariable}{m.Groups[1].Value} used in {Path.GetFileName(file)} is not set"));
    }

    public static ProjectException Error(string file, Mark mark, string message) =>
        new([new Diagnostic(Severity.Error, new SourceLocation(file, (int)mark.Line, (int)mark.Column), message)]);

    [GeneratedRegex(@"\$\{([^}]+)\}")]
    private static partial Regex EnvironmentVariable();
}
