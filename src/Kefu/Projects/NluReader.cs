using Kefu.Nlu;
using Kefu.Nlu.Entities;
using Kefu.Projects.Yaml;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Kefu.Projects;

/// <summary>
/// Reads `nlu:` sections of any number of files and assembles one <see cref="NluTrainingData"/>,
/// with the checks that need all files: an example text under two intents, conflicting synonyms.
/// </summary>
internal sealed class NluReader(DiagnosticBag diagnostics, ProjectLimits limits)
{
    internal sealed record LocatedExample(NluExample Example, SourceLocation Location);

    private readonly List<LocatedExample> _examples = [];
    private readonly List<(string Surface, string Canonical, SourceLocation Location)> _synonyms = [];
    private readonly List<RegexFeature> _regexFeatures = [];
    private readonly List<LookupTable> _lookups = [];

    public IReadOnlyList<LocatedExample> Examples => _examples;

    /// <summary>The `synonym:` sections as written (value, surfaces), for tools that write the data out again.</summary>
    public IReadOnlyList<(string Value, IReadOnlyList<string> Surfaces)> SynonymSections => _synonymSections;

    private readonly List<(string Value, IReadOnlyList<string> Surfaces)> _synonymSections = [];

    // Lines of every nlu section (examples, synonyms, regexes, lookup entries) against ProjectLimits.MaxExamples.
    private int _entries;
    private bool _overLimit;
    private int _regexes;

    public void Read(YamlSource source, YamlNode nluNode)
    {
        foreach (var item in source.Sequence(nluNode, "'nlu'"))
        {
            if (source.Mapping(item, "an nlu item") is not { } entry) continue;
            if (YamlSource.Get(entry, "intent") is { } intentNode)
                ReadIntent(source, entry, intentNode);
            else if (YamlSource.Get(entry, "synonym") is { } synonymNode)
                ReadSynonym(source, entry, synonymNode);
            else if (YamlSource.Get(entry, "regex") is { } regexNode)
                ReadRegex(source, entry, regexNode);
            else if (YamlSource.Get(entry, "lookup") is { } lookupNode)
                ReadLookup(source, entry, lookupNode);
            else
                source.Error(item, "an nlu item needs one of the keys intent, synonym, regex or lookup");
        }
    }

    private void ReadIntent(YamlSource source, YamlMappingNode entry, YamlNode intentNode)
    {
        source.WarnUnknownKeys(entry, "an nlu intent", "intent", "examples", "metadata");
        if (source.String(intentNode, "the intent name") is not { } intent) return;
        string? augmentation = YamlSource.Get(entry, "metadata") is YamlMappingNode metadata &&
            YamlSource.Get(metadata, "augmented") is YamlScalarNode { Value: { Length: > 0 } method } ? method : null;
        foreach (var (raw, at, context) in ExampleLines(source, entry, $"intent '{intent}'"))
        {
            var parsed = EntityAnnotations.Parse(raw);
            foreach (var problem in parsed.Problems)
            {
                var where = source.At(at.Line, at.Column + problem.Offset);
                if (problem.Severity == Severity.Error) diagnostics.Error(where, problem.Message);
                else diagnostics.Warning(where, problem.Message);
            }
            if (parsed.HasErrors) continue;
            _examples.Add(new(new NluExample(parsed.Text, intent, parsed.Entities) { Augmentation = augmentation, Context = context }, at));
            // the project's synonyms are what people wrote: `kefu data augment` reads its own earlier output back, and a rerun
            // must see the same data (the entity model still learns the values of augmented spans when it trains)
            if (augmentation is not null) continue;
            foreach (var span in parsed.Entities)
            {
                string surface = parsed.Text[span.Start..span.End];
                if (span.Value != surface) _synonyms.Add((surface, span.Value, at));
            }
        }
    }

    private void ReadSynonym(YamlSource source, YamlMappingNode entry, YamlNode nameNode)
    {
        source.WarnUnknownKeys(entry, "an nlu synonym", "synonym", "examples");
        if (source.String(nameNode, "the synonym's value") is not { } canonical) return;
        var surfaces = new List<string>();
        foreach (var (text, at, _) in ExampleLines(source, entry, $"synonym '{canonical}'"))
        {
            _synonyms.Add((text, canonical, at));
            surfaces.Add(text);
        }
        _synonymSections.Add((canonical, surfaces));
    }

    private void ReadRegex(YamlSource source, YamlMappingNode entry, YamlNode nameNode)
    {
        source.WarnUnknownKeys(entry, "an nlu regex", "regex", "examples");
        if (source.String(nameNode, "the regex name") is not { } name) return;
        var patterns = new List<string>();
        foreach (var (pattern, at, _) in ExampleLines(source, entry, $"regex '{name}'"))
        {
            if (!CountRegex(at)) break;
            switch (PatternRegex.Check(pattern))
            {
                case { Invalid: { } reason }:
                    diagnostics.Error(at, $"regex '{name}': the pattern '{Snippets.Quote(pattern)}' is not a valid regular expression: {reason}");
                    continue;
                case { SlowOn: { } input }:
                    diagnostics.Warning(at, $"regex '{name}': the pattern '{Snippets.Quote(pattern)}' takes more than " +
                        $"{PatternRegex.CheckTimeout.TotalMilliseconds:0} ms on '{Snippets.Quote(input, 20)}' ({input.Length} characters): it backtracks " +
                        $"catastrophically, and Kefu gives up on it after {PatternRegex.MatchTimeout.TotalMilliseconds:0} ms per message; " +
                        "remove backreferences, lookarounds and atomic groups so it runs without backtracking, or nested repetition such as (a+)+");
                    break;
            }
            patterns.Add(pattern);
        }
        _regexFeatures.Add(new RegexFeature(name, patterns));
    }

    private void ReadLookup(YamlSource source, YamlMappingNode entry, YamlNode nameNode)
    {
        source.WarnUnknownKeys(entry, "an nlu lookup", "lookup", "examples");
        if (source.String(nameNode, "the lookup table name") is not { } name) return;
        var elements = ExampleLines(source, entry, $"lookup '{name}'").Select(e => e.Text).ToList();
        if (elements.Count > 0 && !CountRegex(source.At(nameNode))) return;
        _lookups.Add(new LookupTable(name, elements));
    }

    /// <summary>False past <see cref="ProjectLimits.MaxRegexPatterns"/>, reported the first time.</summary>
    private bool CountRegex(SourceLocation at)
    {
        if (++_regexes <= limits.MaxRegexPatterns) return true;
        if (_regexes == limits.MaxRegexPatterns + 1)
            diagnostics.Error(at, $"the project has more than {limits.MaxRegexPatterns} regex patterns and lookup tables (KEFU_MAX_REGEX_PATTERNS), " +
                "and each one runs on every message; this one and the rest are not read");
        return false;
    }

    /// <summary>
    /// The `examples:` of an item with the position of each example's first character. Rasa writes them as a
    /// block string of "- example" lines; a list of {text, metadata} mappings is accepted too, whose
    /// `metadata: {context: ...}` is the bot's message before the example (<see cref="NluExample.Context"/>; Kefu's own key).
    /// </summary>
    private List<(string Text, SourceLocation At, string? Context)> ExampleLines(YamlSource source, YamlMappingNode entry, string owner)
    {
        var lines = AllExampleLines(source, entry, owner);
        if (_overLimit) return [];
        if (_entries + lines.Count > limits.MaxExamples)
        {
            _overLimit = true;
            diagnostics.Error(lines[limits.MaxExamples - _entries].At,
                $"the project has more than {limits.MaxExamples} NLU examples, synonyms, regexes and lookup entries (KEFU_MAX_EXAMPLES); " +
                "this one and the rest are not read");
            lines = lines[..(limits.MaxExamples - _entries)];
        }
        _entries += lines.Count;
        return lines;
    }

    private static List<(string Text, SourceLocation At, string? Context)> AllExampleLines(YamlSource source, YamlMappingNode entry, string owner)
    {
        var result = new List<(string, SourceLocation, string?)>();
        var node = YamlSource.Get(entry, "examples");
        if (node is null || YamlSource.IsNull(node))
        {
            source.Warning(entry, $"{owner} has no examples");
            return result;
        }
        if (node is YamlSequenceNode list)
        {
            foreach (var item in list.Children)
            {
                var textNode = item is YamlMappingNode m ? YamlSource.Get(m, "text") : item;
                if (item is YamlMappingNode mapping) source.WarnUnknownKeys(mapping, "an example", "text", "metadata");
                if (textNode is null) { source.Error(item, $"{owner}: each example needs a 'text'"); continue; }
                if (source.String(textNode, "an example") is not { } text) continue;
                int quote = textNode is YamlScalarNode { Style: ScalarStyle.SingleQuoted or ScalarStyle.DoubleQuoted } ? 1 : 0;
                var at = source.At(textNode);
                string? context = null;
                if (item is YamlMappingNode withMetadata && YamlSource.Get(withMetadata, "metadata") is YamlMappingNode metadata &&
                    YamlSource.Get(metadata, "context") is { } contextNode)
                {
                    if (contextNode is YamlScalarNode { Value: { Length: > 0 } said }) context = said;
                    else source.Warning(contextNode, $"{owner}: an example's metadata context must be the bot's message as text; it is ignored");
                }
                result.Add((text.Trim(), at with { Column = at.Column + quote }, context));
            }
            return result;
        }
        if (node is not YamlScalarNode { Value: { } block } scalar)
        {
            source.Error(node, $"{owner}: examples must be a block of '- example' lines (examples: |), found {YamlSource.Describe(node)}");
            return result;
        }
        var lines = block.Split('\n');
        for (int k = 0; k < lines.Length; k++)
        {
            string line = lines[k].TrimEnd('\r');
            var (lineNumber, indent) = PositionOf(source, scalar, k, line);
            int p = 0;
            while (p < line.Length && char.IsWhiteSpace(line[p])) p++;
            if (p == line.Length) continue;
            if (line[p] != '-')
            {
                source.Diagnostics.Warning(source.At(lineNumber, indent + p + 1),
                    $"{owner}: the line '{Snippets.Quote(line.Trim())}' does not start with '- ' and is skipped");
                continue;
            }
            p++;
            while (p < line.Length && char.IsWhiteSpace(line[p])) p++;
            string text = line[p..].TrimEnd();
            if (text.Length == 0)
            {
                source.Diagnostics.Warning(source.At(lineNumber, indent + p + 1), $"{owner}: an empty example is skipped");
                continue;
            }
            result.Add((text, source.At(lineNumber, indent + p + 1), null));
        }
        return result;
    }

    /// <summary>
    /// Line k of a literal block scalar (`|`) is file line start+1+k, indented by what the file line has
    /// before it; other scalar styles fold lines, so their examples point at the scalar itself.
    /// </summary>
    private static (int Line, int Indent) PositionOf(YamlSource source, YamlScalarNode scalar, int k, string valueLine)
    {
        var start = source.At(scalar);
        if (scalar.Style != ScalarStyle.Literal) return (start.Line, start.Column - 1);
        int line = start.Line + 1 + k;
        string raw = source.Line(line);
        return (line, raw.EndsWith(valueLine, StringComparison.Ordinal) ? raw.Length - valueLine.Length : start.Column - 1);
    }

    /// <summary>Checks across all files and builds the training data; call once, after every Read.</summary>
    public NluTrainingData Build()
    {
        // one example per text and context: the same words after different questions of the bot may mean different intents
        var firstIntent = new Dictionary<(string Text, string? Context), LocatedExample>();
        var examples = new List<NluExample>();
        foreach (var located in _examples)
        {
            var example = located.Example;
            if (firstIntent.TryGetValue((example.Text, example.Context), out var first))
            {
                // A warning, as in Rasa's validator (which only fails on it with --fail-on-warnings); the first one is kept.
                if (first.Example.Intent != example.Intent)
                    diagnostics.Warning(located.Location,
                        $"the example '{Snippets.Quote(example.Text)}' is under intent '{example.Intent}' and also under intent '{first.Example.Intent}' at {first.Location}; trained under '{first.Example.Intent}' only, keep it under one intent");
                else
                    diagnostics.Warning(located.Location,
                        $"the example '{Snippets.Quote(example.Text)}' of intent '{example.Intent}' is repeated (first at {first.Location})");
                continue;
            }
            firstIntent[(example.Text, example.Context)] = located;
            examples.Add(example);
        }

        var synonyms = new Dictionary<string, string>(StringComparer.Ordinal);
        var synonymAt = new Dictionary<string, SourceLocation>(StringComparer.Ordinal);
        foreach (var (surface, canonical, at) in _synonyms)
        {
            string key = surface.ToLowerInvariant();
            if (synonyms.TryGetValue(key, out var existing) && existing != canonical)
                diagnostics.Warning(at, $"'{Snippets.Quote(surface)}' is a synonym of '{Snippets.Quote(canonical)}' here and of '{Snippets.Quote(existing)}' at {synonymAt[key]}; the first is kept");
            else if (!synonyms.ContainsKey(key))
                (synonyms[key], synonymAt[key]) = (canonical, at);
        }

        return new NluTrainingData(examples, synonyms,
            MergeByName(_regexFeatures, r => r.Name, group => group[0] with { Patterns = [.. group.SelectMany(r => r.Patterns)] }),
            MergeByName(_lookups, l => l.Name, group => group[0] with { Elements = [.. group.SelectMany(l => l.Elements)] }));
    }

    // Rasa lets one regex or lookup name appear in several files; their entries are combined.
    private static List<T> MergeByName<T>(List<T> items, Func<T, string> name, Func<List<T>, T> merge) =>
        items.GroupBy(name, StringComparer.Ordinal).Select(group => group.Count() == 1 ? group.First() : merge([.. group])).ToList();
}
