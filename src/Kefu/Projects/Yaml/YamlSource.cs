using System.Text.Json;
using System.Text.RegularExpressions;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Kefu.Projects.Yaml;

/// <summary>
/// One parsed YAML file with the helpers every reader needs: node positions, typed scalars, and
/// diagnostics that name the file, line and column. Readers never throw on bad input; they report and
/// skip the bad node.
/// </summary>
internal sealed partial class YamlSource
{
    public string File { get; }
    public YamlNode? Root { get; }
    public DiagnosticBag Diagnostics { get; }
    private readonly string[] _lines;

    private YamlSource(string file, string[] lines, YamlNode? root, DiagnosticBag diagnostics) =>
        (File, _lines, Root, Diagnostics) = (file, lines, root, diagnostics);

    /// <summary>Whether the file could not be read or parsed (its error is reported); Root is null then.</summary>
    public bool Failed { get; private init; }

    /// <summary>
    /// Whether the file's structure is broken (<see cref="Failed"/>, or a list item swallowed by the text above it):
    /// checks that compare this file with others would only repeat that one error.
    /// </summary>
    public bool HasStructureError => Failed || StructureProblem;

    private bool StructureProblem { get; init; }

    /// <summary>Read and parsed without error, but holding no document, or only null (an empty file, or only comments).</summary>
    public bool IsEmpty => !Failed && (Root is null || IsNull(Root));

    /// <summary>
    /// Reads and parses a file within <paramref name="limits"/>; an unreadable, oversized or non-UTF-8 file, a YAML
    /// syntax error or a limit reached is reported with its position, and the source has no Root.
    /// </summary>
    public static YamlSource Load(string path, string displayName, DiagnosticBag diagnostics, ProjectLimits limits)
    {
        if (FileText.Read(path, displayName, limits.MaxFileBytes, diagnostics) is not { } text)
            return new YamlSource(displayName, [], null, diagnostics) { Failed = true };
        return Parse(text, displayName, diagnostics, limits);
    }

    /// <summary>A file left unread (its reason is reported): no Root, <see cref="Failed"/>.</summary>
    public static YamlSource Unread(string displayName, DiagnosticBag diagnostics) =>
        new(displayName, [], null, diagnostics) { Failed = true };

    public static YamlSource Parse(string text, string displayName, DiagnosticBag diagnostics, ProjectLimits limits)
    {
        var lines = text.Split('\n').Select(l => l.TrimEnd('\r')).ToArray();
        var stream = new YamlStream();
        var parser = new LimitedParser(new Parser(new StringReader(text)), limits);
        try
        {
            stream.Load(parser);
        }
        catch (YamlException e)
        {
            if (e is not YamlLimitException && DedentedKey(lines, (int)e.Start.Line) is { } cause)
                diagnostics.Error(new SourceLocation(displayName, cause.Line, cause.Column),
                    $"'{cause.Key}:' is not indented under the item at line {cause.ItemLine} above it, so YAML ends that item here and cannot read " +
                    $"what follows (the parser stops at line {e.Start.Line}); indent it to column {cause.ItemColumn + 2} like the item's other keys");
            else
                diagnostics.Error(At(displayName, e.Start), e is YamlLimitException ? e.Message : $"malformed YAML: {Snippets.Quote(StripMarks(e.Message), 300)}{IndentHint(e.Message)}");
            return new YamlSource(displayName, lines, null, diagnostics) { Failed = true };
        }
        catch (Exception e) when (e is InvalidOperationException or ArgumentException)
        {
            // YamlDotNet 16.3 throws these, without a position, on some malformed input: a '...' document end
            // before any document (InvalidOperationException), a list item '- :' (ArgumentException).
            diagnostics.Error(At(displayName, parser.LastNodeStart),
                $"malformed YAML: the parser cannot read what follows here (an empty key such as '- :', or a stray '...'?): {Snippets.Quote(e.Message, 200)}");
            return new YamlSource(displayName, lines, null, diagnostics) { Failed = true };
        }
        if (stream.Documents.Count > 1)
            diagnostics.Warning(new SourceLocation(displayName, 1, 1),
                "the file holds several YAML documents; only the first is read");
        var root = stream.Documents.Count == 0 ? null : stream.Documents[0].RootNode;
        bool swallowed = root is not null && ReportSwallowedItems(root, lines, displayName, diagnostics);
        return new YamlSource(displayName, lines, root, diagnostics) { JsonDepth = Math.Max(64, limits.MaxYamlDepth), StructureProblem = swallowed };
    }

    // Keys that stand at the top of Rasa's files: one of them at the column of a list item above is the next section, not a mistake.
    private static readonly HashSet<string> TopLevelKeys = new(StringComparer.Ordinal)
    {
        "version", "nlu", "stories", "rules", "responses", "intents", "entities", "slots", "forms", "actions", "session_config",
        "config", "e2e_actions", "recipe", "language", "pipeline", "policies", "assistant_id",
    };

    /// <summary>
    /// The root cause of a parse error that YamlDotNet reports too late: a key meant for a list item ("examples:" under
    /// "- intent: x") written at or left of the item's dash. YAML then closes the item and the list, and only fails lines
    /// later, at the next item. The last such key before the error line, or null.
    /// </summary>
    private static (int Line, int Column, string Key, int ItemLine, int ItemColumn)? DedentedKey(string[] lines, int errorLine)
    {
        (int Dash, int Line)? item = null;
        (int, int, string, int, int)? found = null;
        for (int i = 0; i < Math.Min(errorLine, lines.Length); i++)
        {
            string raw = lines[i], text = raw.TrimStart();
            if (text.Length == 0 || text[0] == '#') continue;
            int column = raw.Length - text.Length;
            if (item is { } it && column <= it.Dash)
            {
                if (KeyLine().Match(text) is { Success: true } key && !TopLevelKeys.Contains(key.Groups[1].Value))
                    found = (i + 1, column + 1, key.Groups[1].Value, it.Line + 1, it.Dash + 1);
                item = null;
            }
            if (ItemKeyLine().IsMatch(text)) item = (column, i);
        }
        return found;
    }

    [GeneratedRegex(@"^([A-Za-z_][\w-]*)\s*:(\s|$)")]
    private static partial Regex KeyLine();

    [GeneratedRegex(@"^-\s+[A-Za-z_][\w-]*\s*:(\s|$)")]
    private static partial Regex ItemKeyLine();

    // YamlDotNet's messages for a line indented out of step with its neighbours.
    private static string IndentHint(string message) =>
        message.Contains("did not find expected", StringComparison.Ordinal) || message.Contains("mapping values are not allowed", StringComparison.Ordinal)
        || message.Contains("found invalid mapping", StringComparison.Ordinal)
            ? " (check this line's indentation against the lines above: items of one list, and keys of one mapping, start in the same column)"
            : "";

    /// <summary>
    /// A plain text that runs over several lines, a later one starting with '- ': YAML reads "  - affirm\n   - deny" (the
    /// second item one space too deep) as the one text "affirm - deny", and every check after that reports the missing
    /// "deny" again. The root cause is that line; it is the one error reported. True when one was found.
    /// </summary>
    private static bool ReportSwallowedItems(YamlNode root, string[] lines, string file, DiagnosticBag diagnostics)
    {
        bool found = false;
        foreach (var node in root.AllNodes)
        {
            if (node is not YamlScalarNode { Style: ScalarStyle.Plain } scalar || scalar.End.Line <= scalar.Start.Line) continue;
            for (long line = scalar.Start.Line + 1; line <= Math.Min(scalar.End.Line, lines.Length); line++)
            {
                string raw = lines[line - 1];
                string trimmed = raw.TrimStart();
                if (trimmed != "-" && !trimmed.StartsWith("- ", StringComparison.Ordinal)) continue;
                diagnostics.Error(new SourceLocation(file, (int)line, raw.Length - trimmed.Length + 1),
                    $"this list item is read as part of the text '{Snippets.Quote(scalar.Value)}' that starts at line {scalar.Start.Line}: " +
                    "it is indented differently from the item above; start it in the same column");
                found = true;
                break;
            }
        }
        return found;
    }

    private static SourceLocation At(string displayName, Mark mark) =>
        new(displayName, (int)Math.Clamp(mark.Line, 1, int.MaxValue), (int)Math.Clamp(mark.Column, 1, int.MaxValue));

    // YamlDotNet prefixes messages with "(Line: 3, Col: 5, Idx: 20) - (Line: 3, Col: 6, Idx: 21): "; the location is printed separately.
    private static string StripMarks(string message) => MarkPrefix().Replace(message, "");

    [GeneratedRegex(@"^\(Line: \d+, Col: \d+, Idx: \d+\) - \(Line: \d+, Col: \d+, Idx: \d+\):\s*")]
    private static partial Regex MarkPrefix();

    public SourceLocation At(YamlNode node) => new(File, (int)node.Start.Line, (int)node.Start.Column);

    public SourceLocation At(int line, int column) => new(File, line, column);

    public void Error(YamlNode node, string message) => Diagnostics.Error(At(node), message);

    public void Warning(YamlNode node, string message) => Diagnostics.Warning(At(node), message);

    /// <summary>
    /// The file position of a character of a scalar's value. Exact for single-line plain or quoted scalars
    /// and literal blocks (`|`); folded styles point at the scalar's start line.
    /// </summary>
    public SourceLocation PositionIn(YamlScalarNode scalar, int offset)
    {
        var start = At(scalar);
        string value = scalar.Value ?? "";
        switch (scalar.Style)
        {
            case ScalarStyle.Literal:
                int lineIndex = value.AsSpan(0, offset).Count('\n');
                int lineStart = offset == 0 ? 0 : value.LastIndexOf('\n', offset - 1) + 1;
                int lineEnd = value.IndexOf('\n', lineStart);
                string valueLine = lineEnd < 0 ? value[lineStart..] : value[lineStart..lineEnd];
                int line = start.Line + 1 + lineIndex;
                string raw = Line(line);
                int indent = raw.EndsWith(valueLine, StringComparison.Ordinal) ? raw.Length - valueLine.Length : start.Column - 1;
                return At(line, indent + offset - lineStart + 1);
            case ScalarStyle.SingleQuoted or ScalarStyle.DoubleQuoted when !value.Contains('\n'):
                return At(start.Line, start.Column + 1 + offset);
            case ScalarStyle.Plain when !value.Contains('\n'):
                return At(start.Line, start.Column + offset);
            default:
                return start;
        }
    }

    /// <summary>The raw text of a 1-based line, for positions inside block scalars.</summary>
    public string Line(int line) => line >= 1 && line <= _lines.Length ? _lines[line - 1] : "";

    // ---- Shapes -------------------------------------------------------------------------------

    public YamlMappingNode? Mapping(YamlNode node, string what)
    {
        if (node is YamlMappingNode mapping) return mapping;
        Error(node, $"{what} must be a mapping of keys to values, found {Describe(node)}");
        return null;
    }

    /// <summary>The items of a sequence; an empty value (`key:`) is an empty sequence.</summary>
    public IReadOnlyList<YamlNode> Sequence(YamlNode node, string what)
    {
        if (node is YamlSequenceNode sequence) return sequence.Children.ToList();
        if (IsNull(node)) return [];
        Error(node, $"{what} must be a list (lines starting with '- '), found {Describe(node)}");
        return [];
    }

    /// <summary>The entries of a mapping with string keys; an empty value is an empty mapping.</summary>
    public IEnumerable<(string Key, YamlNode KeyNode, YamlNode Value)> Entries(YamlNode node, string what)
    {
        if (IsNull(node)) yield break;
        if (Mapping(node, what) is not { } mapping) yield break;
        foreach (var (key, value) in mapping.Children)
            if (key is YamlScalarNode { Value: { } name }) yield return (name, key, value);
            else Error(key, $"{what}: keys must be plain names, found {Describe(key)}");
    }

    public static YamlNode? Get(YamlMappingNode mapping, string key) =>
        mapping.Children.TryGetValue(new YamlScalarNode(key), out var value) ? value : null;

    /// <summary>Warns about keys outside <paramref name="known"/>, naming them and where they are.</summary>
    public void WarnUnknownKeys(YamlMappingNode mapping, string what, params string[] known)
    {
        foreach (var key in mapping.Children.Keys)
            if (key is YamlScalarNode { Value: { } name } && !known.Contains(name))
                Warning(key, $"unknown key '{Snippets.Quote(name)}' in {what} is ignored (known keys: {string.Join(", ", known)})");
    }

    // ---- Scalars ------------------------------------------------------------------------------

    public static bool IsNull(YamlNode node) =>
        node is YamlScalarNode { Style: ScalarStyle.Plain or ScalarStyle.Any, Value: null or "" or "~" or "null" or "Null" or "NULL" };

    /// <summary>A non-empty string; reports and returns null otherwise.</summary>
    public string? String(YamlNode node, string what)
    {
        if (node is YamlScalarNode scalar && !IsNull(node) && !string.IsNullOrWhiteSpace(scalar.Value))
            return scalar.Value;
        Error(node, $"{what} must be a non-empty text, found {Describe(node)}");
        return null;
    }

    /// <summary>A string, or null for an absent or null value.</summary>
    public string? OptionalString(YamlNode? node, string what) =>
        node is null || IsNull(node) ? null : String(node, what);

    public bool Bool(YamlNode? node, string what, bool fallback)
    {
        if (node is null || IsNull(node)) return fallback;
        if (node is YamlScalarNode { Style: ScalarStyle.Plain } scalar && TryBool(scalar.Value, out var value)) return value;
        Error(node, $"{what} must be true or false, found {Describe(node)}");
        return fallback;
    }

    public double Number(YamlNode? node, string what, double fallback)
    {
        if (node is null || IsNull(node)) return fallback;
        if (node is YamlScalarNode { Style: ScalarStyle.Plain } scalar && TryNumber(scalar.Value, out var value)) return value;
        Error(node, $"{what} must be a number, found {Describe(node)}");
        return fallback;
    }

    /// <summary>A name or a list of names (`intent: greet` or `intent: [greet, hello]`); absent is empty.</summary>
    public IReadOnlyList<string> Names(YamlNode? node, string what)
    {
        if (node is null || IsNull(node)) return [];
        if (node is YamlScalarNode) return String(node, what) is { } one ? [one] : [];
        return Sequence(node, what).Select(item => String(item, $"each of {what}")).OfType<string>().ToList();
    }

    private static bool TryBool(string? text, out bool value)
    {
        switch (text)
        {
            case "true" or "True" or "TRUE": value = true; return true;
            case "false" or "False" or "FALSE": value = false; return true;
            default: value = false; return false;
        }
    }

    private static bool TryNumber(string? text, out double value)
    {
        value = 0;
        return text is not null && YamlNumber().IsMatch(text)
            && double.TryParse(text, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out value);
    }

    [GeneratedRegex(@"^[-+]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][-+]?[0-9]+)?$")]
    private static partial Regex YamlNumber();

    /// <summary>A short, human description of a node for messages: "a list", "a mapping", "'text'".</summary>
    public static string Describe(YamlNode node) => node switch
    {
        YamlSequenceNode => "a list",
        YamlMappingNode => "a mapping",
        _ when IsNull(node) => "nothing",
        YamlScalarNode s => $"'{Snippets.Quote(s.Value)}'",
        _ => "an alias",
    };

    // ---- JSON ---------------------------------------------------------------------------------

    /// <summary>How deep <see cref="ToJson"/> may nest: what the depth limit let through, and at least System.Text.Json's default.</summary>
    private int JsonDepth { get; init; } = 64;

    /// <summary>
    /// The node as JSON, typed by the YAML 1.2 core schema as Rasa reads it: plain true/false are
    /// booleans, plain numbers are numbers, plain null/~/empty is null, everything quoted is a string.
    /// </summary>
    public JsonElement ToJson(YamlNode node)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { MaxDepth = JsonDepth + 1 }))
            WriteJson(writer, node);
        using var document = JsonDocument.Parse(buffer.WrittenMemory, new JsonDocumentOptions { MaxDepth = JsonDepth + 1 });
        return document.RootElement.Clone();
    }

    private static void WriteJson(Utf8JsonWriter writer, YamlNode node)
    {
        switch (node)
        {
            case YamlMappingNode mapping:
                writer.WriteStartObject();
                foreach (var (key, value) in mapping.Children)
                {
                    writer.WritePropertyName(key is YamlScalarNode { Value: { } k } ? k : key.ToString());
                    WriteJson(writer, value);
                }
                writer.WriteEndObject();
                break;
            case YamlSequenceNode sequence:
                writer.WriteStartArray();
                foreach (var item in sequence.Children) WriteJson(writer, item);
                writer.WriteEndArray();
                break;
            case YamlScalarNode scalar when IsNull(scalar):
                writer.WriteNullValue();
                break;
            case YamlScalarNode { Style: ScalarStyle.Plain } scalar when TryBool(scalar.Value, out var b):
                writer.WriteBooleanValue(b);
                break;
            case YamlScalarNode { Style: ScalarStyle.Plain } scalar when TryNumber(scalar.Value, out var number):
                if (JsonNumber().IsMatch(scalar.Value!)) writer.WriteRawValue(scalar.Value!);
                else writer.WriteNumberValue(number);
                break;
            case YamlScalarNode scalar:
                writer.WriteStringValue(scalar.Value);
                break;
            default:
                writer.WriteNullValue();
                break;
        }
    }

    [GeneratedRegex(@"^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][-+]?[0-9]+)?$")]
    private static partial Regex JsonNumber();
}
