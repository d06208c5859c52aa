using System.Text.RegularExpressions;
using Kefu.Nlu;
using Kefu.Nlu.Data;
using Kefu.Projects;

namespace Kefu.Data;

/// <summary>
/// Rasa 2's Markdown NLU format (rasa/shared/nlu/training_data/formats/markdown.py):
/// <code>
/// ## intent:check_balance          examples, annotated as in YAML: [text](entity), [text](entity:value), [text]{"entity": ...}
/// - what is my [savings](account) balance
/// ## synonym:savings               each item maps to the value after the colon
/// - pink pig
/// ## regex:account_number
/// - \d{10,12}
/// ## lookup:city
/// - Berlin
/// </code>
/// Items start with '-', '*' or '+'; &lt;!-- comments --&gt; may span lines. Lookup tables loaded from a file path
/// (a line without a marker) are not read: an error says to paste the entries in.
/// </summary>
public static partial class MarkdownNlu
{
    private static readonly string[] Sections = ["intent", "synonym", "regex", "lookup"];

    public static (NluDocument Document, IReadOnlyList<Diagnostic> Diagnostics) Read(string path)
    {
        string text;
        try
        {
            text = NluDataReader.ReadText(path); // not File.ReadAllText: it turns bytes that are not UTF-8 into U+FFFD
        }
        catch (NluDataException e)
        {
            return (NluDocument.Empty, [new Diagnostic(Severity.Error, new SourceLocation(path, e.Line, 1), e.Reason)]);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return (NluDocument.Empty, [new Diagnostic(Severity.Error, new SourceLocation(path, 1, 1), $"cannot read the file: {e.Message}")]);
        }
        return Parse(text, path);
    }

    public static (NluDocument Document, IReadOnlyList<Diagnostic> Diagnostics) Parse(string text, string file)
    {
        var diagnostics = new List<Diagnostic>();
        var examples = new List<NluExample>();
        var locations = new List<SourceLocation>();
        var synonyms = new List<(string Value, List<string> Surfaces)>();
        var regexes = new List<(string Name, List<string> Patterns)>();
        var lookups = new List<(string Name, List<string> Elements)>();
        string? section = null, title = null;
        var lines = StripComments(text).Split('\n');
        for (int n = 0; n < lines.Length; n++)
        {
            string raw = lines[n].TrimEnd('\r');
            string line = raw.Trim();
            int column = raw.Length - raw.TrimStart().Length + 1;
            var at = new SourceLocation(file, n + 1, column);
            if (line.Length == 0) continue;
            if (Header().Match(line) is { Success: true } header)
            {
                string name = header.Groups[1].Value.Trim();
                title = header.Groups[2].Value.Trim();
                if (!Sections.Contains(name))
                {
                    diagnostics.Add(new(Severity.Error, at, $"unknown section '## {Snippets.Quote(name)}:'; Rasa's Markdown NLU has ## intent:, ## synonym:, ## regex: and ## lookup:"));
                    section = null;
                    continue;
                }
                if (title.Length == 0)
                {
                    diagnostics.Add(new(Severity.Error, at, $"the section '## {name}:' has no name after the colon"));
                    section = null;
                    continue;
                }
                section = name;
                switch (section)
                {
                    case "synonym": synonyms.Add((title, [])); break;
                    case "regex": regexes.Add((title, [])); break;
                    case "lookup": lookups.Add((title, [])); break;
                }
                continue;
            }
            if (line.StartsWith('#'))
            {
                diagnostics.Add(new(Severity.Error, at, $"'{Snippets.Quote(line)}' is not a section header; write '## intent:name' (or synonym:, regex:, lookup:)"));
                continue;
            }
            if (line[0] is not ('-' or '*' or '+'))
            {
                diagnostics.Add(new(Severity.Error, at, section == "lookup"
                    ? $"lookup '{title}': '{Snippets.Quote(line)}' looks like a lookup file path; Kefu does not read lookup files, list the entries as '- entry' lines"
                    : $"'{Snippets.Quote(line)}' is not an item; items start with '- '"));
                continue;
            }
            string item = line[1..].Trim();
            int itemColumn = column + line.IndexOf(item, 1, StringComparison.Ordinal);
            if (item.Length == 0)
            {
                diagnostics.Add(new(Severity.Warning, at, "an empty item is skipped"));
                continue;
            }
            switch (section)
            {
                case null:
                    diagnostics.Add(new(Severity.Error, at, "this item is not under a section; start one with '## intent:name'"));
                    break;
                case "intent":
                    var parsed = EntityAnnotations.Parse(item);
                    foreach (var problem in parsed.Problems)
                        diagnostics.Add(new(problem.Severity, at with { Column = itemColumn + problem.Offset }, problem.Message));
                    if (parsed.HasErrors) break;
                    examples.Add(new NluExample(parsed.Text, title!, parsed.Entities));
                    locations.Add(at with { Column = itemColumn });
                    break;
                case "synonym": synonyms[^1].Surfaces.Add(item); break;
                case "regex": regexes[^1].Patterns.Add(item); break;
                case "lookup": lookups[^1].Elements.Add(item); break;
            }
        }
        var document = new NluDocument(examples,
            synonyms.Select(s => new SynonymSet(s.Value, s.Surfaces)).ToList(),
            regexes.Select(r => new RegexFeature(r.Name, r.Patterns)).ToList(),
            lookups.Select(l => new LookupTable(l.Name, l.Elements)).ToList())
        { Locations = locations };
        return (document, diagnostics);
    }

    /// <summary>&lt;!-- comments --&gt; blanked out, their line breaks kept so line numbers stay right.</summary>
    internal static string StripComments(string text) =>
        Comment().Replace(text, m => new string('\n', m.Value.Count(c => c == '\n')));

    [GeneratedRegex(@"^##\s*([^:\s]+)\s*:(.*)$")]
    private static partial Regex Header();

    [GeneratedRegex(@"<!--[\s\S]*?--!*>")]
    private static partial Regex Comment();
}
