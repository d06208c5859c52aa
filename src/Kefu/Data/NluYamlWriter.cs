using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Kefu.Nlu;
using Kefu.Projects;

namespace Kefu.Data;

/// <summary>
/// Writes NLU data as Rasa 3 YAML, the way `rasa data convert nlu -f yaml` lays it out:
/// <code>
/// version: "3.1"
/// nlu:
/// - intent: check_balance        one item per intent, in order of first appearance
///   examples: |
///     - what is my [savings](account) balance
/// - synonym: savings
///   examples: |
///     - pink pig
/// - regex: account_number
/// - lookup: city
/// </code>
/// An entity is written [text](entity) when that says everything, else [text]{"entity": .., "value": .., "role": .., "group": ..};
/// several entities on one span as [text][{..}, {..}]. Each written line is read back with the project reader's annotation
/// parser; an example that would not read back the same (crossing spans, a line break) is an error, never written wrong.
/// </summary>
public static partial class NluYamlWriter
{
    public const string Version = "3.1";

    public static (string Yaml, IReadOnlyList<Diagnostic> Problems) Write(NluDocument document, string? comment = null)
    {
        var problems = new List<Diagnostic>();
        var yaml = new StringBuilder();
        if (comment is not null)
            foreach (var line in comment.Split('\n')) yaml.Append("# ").AppendLine(line.TrimEnd());
        yaml.AppendLine($"version: \"{Version}\"").AppendLine().AppendLine("nlu:");
        var byIntent = document.Examples.Select((e, i) => (e, i)).GroupBy(x => x.e.Intent, StringComparer.Ordinal);
        foreach (var group in byIntent)
        {
            var lines = new List<string>();
            foreach (var (example, i) in group)
            {
                var (line, problem) = ExampleLine(example);
                if (problem is not null)
                    problems.Add(new(Severity.Error, document.LocationOf(i) ?? new SourceLocation("(example)", i + 1, 1), problem));
                else lines.Add(line!);
            }
            Section(yaml, "intent", group.Key, lines);
        }
        foreach (var synonym in document.Synonyms) Section(yaml, "synonym", synonym.Value, synonym.Examples, problems);
        foreach (var regex in document.Regexes) Section(yaml, "regex", regex.Name, regex.Patterns, problems);
        foreach (var lookup in document.Lookups) Section(yaml, "lookup", lookup.Name, lookup.Elements, problems);
        return (yaml.ToString(), problems);
    }

    private static void Section(StringBuilder yaml, string key, string name, IReadOnlyList<string> items, List<Diagnostic> problems)
    {
        var lines = new List<string>();
        foreach (var item in items)
        {
            string trimmed = item.Trim();
            if (Unwritable(trimmed) is { } why)
                problems.Add(new(Severity.Error, new SourceLocation($"({key} {name})", 1, 1), $"the {key} entry '{Snippets.Quote(item)}' {why}"));
            else lines.Add(trimmed);
        }
        Section(yaml, key, name, lines);
    }

    private static void Section(StringBuilder yaml, string key, string name, IReadOnlyList<string> lines)
    {
        yaml.Append("- ").Append(key).Append(": ").AppendLine(Scalar(name));
        if (lines.Count == 0)
        {
            yaml.AppendLine("  examples: \"\"");
            return;
        }
        yaml.AppendLine("  examples: |");
        foreach (var line in lines) yaml.Append("    - ").AppendLine(line);
        yaml.AppendLine();
    }

    /// <summary>The example as an annotated `- ` line's text, or why it cannot be one.</summary>
    public static (string? Line, string? Problem) ExampleLine(NluExample example)
    {
        string text = example.Text;
        if (Unwritable(text) is { } why) return (null, $"the example '{Snippets.Quote(text)}' {why}");
        if (text.Trim().Length != text.Length) return (null, $"the example '{Snippets.Quote(text)}' starts or ends with spaces, which a '- ' line cannot keep");
        var spans = example.Entities.GroupBy(e => (e.Start, e.End)).OrderBy(g => g.Key.Start).ThenBy(g => g.Key.End).ToList();
        var line = new StringBuilder();
        int at = 0;
        foreach (var span in spans)
        {
            var (start, end) = span.Key;
            if (start < at || start < 0 || end > text.Length || start >= end)
                return (null, $"the example '{Snippets.Quote(text)}' has entities whose spans cross or fall outside the text ([{start}, {end})); Rasa's annotations cannot write them");
            line.Append(text, at, start - at);
            string surface = text[start..end];
            if (surface.Contains('[') || surface.Contains(']'))
                return (null, $"the entity text '{Snippets.Quote(surface)}' holds '[' or ']', which Rasa's annotations cannot write");
            line.Append('[').Append(surface).Append(']').Append(Annotation(span.ToList(), surface));
            at = end;
        }
        line.Append(text, at, text.Length - at);
        string written = line.ToString();
        // What the project reader makes of the line must be the example itself.
        var back = EntityAnnotations.Parse(written);
        if (back.HasErrors || back.Text != text || !SameEntities(back.Entities, example.Entities))
            return (null, $"the example '{Snippets.Quote(text)}' would not read back the same from Rasa's annotation syntax (its text looks like an annotation, '[..](..)')");
        return (written, null);
    }

    private static string Annotation(List<EntitySpan> entities, string surface)
    {
        if (entities.Count == 1 && entities[0] is { Role: null, Group: null } only && only.Value == surface && SimpleName().IsMatch(only.Entity))
            return $"({only.Entity})";
        var objects = entities.Select(e =>
        {
            var fields = new List<string> { $"\"entity\": {Json(e.Entity)}" };
            if (e.Value != surface) fields.Add($"\"value\": {Json(e.Value)}");
            if (e.Role is not null) fields.Add($"\"role\": {Json(e.Role)}");
            if (e.Group is not null) fields.Add($"\"group\": {Json(e.Group)}");
            return "{" + string.Join(", ", fields) + "}";
        }).ToList();
        return objects.Count == 1 ? objects[0] : "[" + string.Join(", ", objects) + "]";
    }

    internal static bool SameEntities(IReadOnlyList<EntitySpan> a, IReadOnlyList<EntitySpan> b)
    {
        static string Key(EntitySpan e) => $"{e.Start}\u0001{e.End}\u0001{e.Entity}\u0001{e.Value}\u0001{e.Role}\u0001{e.Group}";
        return a.Select(Key).Order(StringComparer.Ordinal).SequenceEqual(b.Select(Key).Order(StringComparer.Ordinal));
    }

    /// <summary>Why a text cannot be one line of a YAML literal block, or null.</summary>
    internal static string? Unwritable(string text)
    {
        if (text.Length == 0) return "is empty";
        foreach (char c in text)
        {
            if (c is '\n' or '\r' or '\u0085' or '\u2028' or '\u2029') return "holds a line break, which a '- ' example line cannot (kefu data clean turns it into a space)";
            if (char.IsControl(c) && c != '\t' || c == '\uFEFF') return $"holds the control character U+{(int)c:X4}, which YAML does not allow (kefu data clean removes it)";
        }
        return null;
    }

    private static string Json(string s) => JsonSerializer.Serialize(s, JsonOptions);

    private static readonly JsonSerializerOptions JsonOptions =
        new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>A name as a YAML scalar: plain when that reads back as the same string, else double-quoted (JSON escapes are YAML's).</summary>
    public static string Scalar(string value) =>
        PlainSafe().IsMatch(value) && !Reserved().IsMatch(value) ? value : Json(value);

    // Letters, digits and a few inner punctuation marks; not a YAML 1.1/1.2 boolean, null or number.
    [GeneratedRegex(@"^[\p{L}\p{N}_][\p{L}\p{N}_ ./()@-]*(?<! )$")]
    private static partial Regex PlainSafe();

    [GeneratedRegex(@"^([-+]?[0-9_.]+([eE][-+]?[0-9]+)?|true|false|yes|no|on|off|y|n|null|~)$", RegexOptions.IgnoreCase)]
    private static partial Regex Reserved();

    [GeneratedRegex(@"^[^():\[\]{}\s]+$")]
    private static partial Regex SimpleName();
}
