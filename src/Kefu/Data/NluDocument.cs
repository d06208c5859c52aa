using Kefu.Nlu;
using Kefu.Nlu.Data;
using Kefu.Projects;
using Kefu.Projects.Yaml;

namespace Kefu.Data;

/// <summary>A `synonym:` section: every surface in Examples is mapped to Value.</summary>
public sealed record SynonymSet(string Value, IReadOnlyList<string> Examples);

/// <summary>
/// NLU training data as a file holds it, for the data tools (split, convert, clean): every example in file order,
/// repeats included, with where it came from; synonym sections as written (not folded into one dictionary as
/// <see cref="NluTrainingData"/> does), regexes and lookup tables. Locations is empty or one per example.
/// </summary>
public sealed record NluDocument(
    IReadOnlyList<NluExample> Examples,
    IReadOnlyList<SynonymSet> Synonyms,
    IReadOnlyList<RegexFeature> Regexes,
    IReadOnlyList<LookupTable> Lookups)
{
    public IReadOnlyList<SourceLocation> Locations { get; init; } = [];

    public static NluDocument Empty { get; } = new([], [], [], []);

    /// <summary>Where example <paramref name="i"/> came from, if known.</summary>
    public SourceLocation? LocationOf(int i) => i < Locations.Count ? Locations[i] : null;

    /// <summary>The intents in order of first appearance.</summary>
    public IReadOnlyList<string> Intents() => Examples.Select(e => e.Intent).Distinct(StringComparer.Ordinal).ToList();
}

/// <summary>The formats <see cref="NluDocuments.Read"/> and the writers know.</summary>
public enum NluFormat { Yaml, Json, Csv, Markdown }

/// <summary>
/// Reads NLU data in any format Rasa 2 or 3 wrote it in (YAML, a folder of YAML files, Rasa JSON, Rasa 2 Markdown)
/// or as CSV with text and intent columns. Problems come back as diagnostics with file:line:column; nothing throws on
/// bad content.
/// </summary>
public static class NluDocuments
{
    /// <summary>The format a path's extension names; a folder is read as YAML files.</summary>
    public static NluFormat? FormatOf(string path) =>
        Directory.Exists(path) ? NluFormat.Yaml : Path.GetExtension(path).ToLowerInvariant() switch
        {
            ".yml" or ".yaml" => NluFormat.Yaml,
            ".json" => NluFormat.Json,
            ".csv" => NluFormat.Csv,
            ".md" or ".markdown" => NluFormat.Markdown,
            _ => null,
        };

    public static (NluDocument Document, IReadOnlyList<Diagnostic> Diagnostics) Read(string path)
    {
        var at = new SourceLocation(path, 1, 1);
        if (!File.Exists(path) && !Directory.Exists(path))
            return (NluDocument.Empty, [new Diagnostic(Severity.Error, at, "no such file or folder")]);
        switch (FormatOf(path))
        {
            case NluFormat.Yaml: return ReadYaml(path);
            case NluFormat.Json: return RasaJsonNlu.Read(path);
            case NluFormat.Markdown: return MarkdownNlu.Read(path);
            case NluFormat.Csv:
                try
                {
                    var rows = NluDataReader.ReadCsvLines(path);
                    return (Trimmed(rows.Select(r => r.Example).ToList(), rows.Select(r => new SourceLocation(path, r.Line, 1)).ToList()), []);
                }
                catch (NluDataException e)
                {
                    return (NluDocument.Empty, [new Diagnostic(Severity.Error, new SourceLocation(path, e.Line, 1), e.Message[$"{e.File}:{e.Line}: ".Length..])]);
                }
                catch (IOException e)
                {
                    return (NluDocument.Empty, [new Diagnostic(Severity.Error, at, $"cannot read the file: {e.Message}")]);
                }
            default:
                return (NluDocument.Empty, [new Diagnostic(Severity.Error, at,
                    $"unknown file type '{Path.GetExtension(path)}': expected .yml (or a folder of them), .json (Rasa JSON), .md (Rasa 2 Markdown) or .csv")]);
        }
    }

    /// <summary>
    /// The `nlu:` sections of a YAML file, or of every YAML file under a folder (files without one, such as stories,
    /// are passed over), read by the project reader so its checks and positions apply.
    /// </summary>
    private static (NluDocument, IReadOnlyList<Diagnostic>) ReadYaml(string path)
    {
        var (limits, problems) = ProjectLimits.FromEnvironment();
        var bag = new DiagnosticBag(limits.MaxDiagnosticsPerFile);
        foreach (var problem in problems) bag.Error(new SourceLocation(path, 1, 1), problem);
        var reader = new NluReader(bag, limits);
        var files = Directory.Exists(path)
            ? Directory.EnumerateFiles(path, "*.*", SearchOption.AllDirectories)
                .Where(f => Path.GetExtension(f) is ".yml" or ".yaml").Order(StringComparer.Ordinal).ToList()
            : [path];
        foreach (var file in files)
        {
            var source = YamlSource.Load(file, file, bag, limits);
            if (source.Root is not { } root || YamlSource.IsNull(root) || source.Mapping(root, "an NLU file") is not { } mapping) continue;
            if (YamlSource.Get(mapping, "nlu") is { } nlu) reader.Read(source, nlu);
            else if (!Directory.Exists(path)) bag.Warning(new SourceLocation(file, 1, 1), "the file has no 'nlu:' section");
            foreach (var (key, keyNode, _) in source.Entries(mapping, "a data file"))
                if (key == "responses" || (!Directory.Exists(path) && key is not ("version" or "nlu")))
                    source.Warning(keyNode, $"'{key}:' is not NLU data: the data tools do not copy it into what they write");
        }
        var built = reader.Build();
        var document = new NluDocument(
            reader.Examples.Select(e => e.Example).ToList(),
            reader.SynonymSections.Select(s => new SynonymSet(s.Value, s.Surfaces)).ToList(),
            built.Regexes, built.Lookups)
        { Locations = reader.Examples.Select(e => e.Location).ToList() };
        // Build's repeated-example warnings are for training; the data tools report repeats themselves.
        var diagnostics = bag.Sorted().Where(d => d.Severity == Severity.Error || !d.Message.StartsWith("the example '", StringComparison.Ordinal)).ToList();
        return (document, diagnostics);
    }

    /// <summary>
    /// Examples with surrounding whitespace removed (entity offsets moved with it), as Rasa's YAML and Markdown readers
    /// store them: a `- example` line cannot keep it.
    /// </summary>
    internal static NluDocument Trimmed(IReadOnlyList<NluExample> examples, IReadOnlyList<SourceLocation>? locations = null) =>
        new(examples.Select(Trim).ToList(), [], [], []) { Locations = locations ?? [] };

    internal static NluExample Trim(NluExample example)
    {
        string text = example.Text;
        int lead = text.Length - text.TrimStart().Length;
        string trimmed = text.Trim();
        if (lead == 0 && trimmed.Length == text.Length) return example;
        var entities = example.Entities
            .Select(e => e with { Start = Math.Clamp(e.Start - lead, 0, trimmed.Length), End = Math.Clamp(e.End - lead, 0, trimmed.Length) })
            .ToList();
        return example with { Text = trimmed, Entities = entities };
    }
}
