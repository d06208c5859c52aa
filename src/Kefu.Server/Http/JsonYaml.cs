using System.Text.Json;
using System.Text.RegularExpressions;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Kefu.Server.Http;

/// <summary>JSON written as block YAML (GET /domain with a YAML Accept header): the same tree, strings kept strings.</summary>
internal static partial class JsonYaml
{
    public static string Write(JsonElement json)
    {
        var text = new StringWriter();
        new YamlStream(new YamlDocument(Node(json))).Save(text, assignAnchors: false);
        // YamlStream ends the document with "...": one document needs no end marker.
        var yaml = text.ToString().TrimEnd();
        return (yaml.EndsWith("...", StringComparison.Ordinal) ? yaml[..^3].TrimEnd() : yaml) + "\n";
    }

    private static YamlNode Node(JsonElement json) => json.ValueKind switch
    {
        JsonValueKind.Object => new YamlMappingNode(json.EnumerateObject().Select(p =>
            new KeyValuePair<YamlNode, YamlNode>(String(p.Name), Node(p.Value)))),
        JsonValueKind.Array => new YamlSequenceNode(json.EnumerateArray().Select(Node)),
        JsonValueKind.String => String(json.GetString()!),
        JsonValueKind.Null => new YamlScalarNode("null") { Style = ScalarStyle.Plain },
        _ => new YamlScalarNode(json.GetRawText()) { Style = ScalarStyle.Plain },
    };

    /// <summary>Plain when YAML reads it back as the same string (not a number, boolean or null); double-quoted otherwise.</summary>
    private static YamlScalarNode String(string value) =>
        new(value) { Style = Plain().IsMatch(value) && !Reserved().IsMatch(value) ? ScalarStyle.Plain : ScalarStyle.DoubleQuoted };

    [GeneratedRegex(@"^[\p{L}_][\p{L}\p{N}_/-]*$")]
    private static partial Regex Plain();

    [GeneratedRegex(@"^(true|false|yes|no|on|off|y|n|null)$", RegexOptions.IgnoreCase)]
    private static partial Regex Reserved();
}
