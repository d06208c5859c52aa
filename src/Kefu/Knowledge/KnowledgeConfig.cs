using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Kefu.Knowledge;

/// <summary>How dense and lexical rankings are combined (docs/knowledge.md, "Ranking").</summary>
public enum Fusion
{
    /// <summary>Reciprocal rank fusion (Cormack et al. 2009): Σ 1 / (60 + rank); ignores score scales.</summary>
    Rrf,
    /// <summary>α · cosine + (1 − α) · BM25 / its upper bound.</summary>
    Mix,
}

/// <summary>
/// A project's knowledge.yml (Kefu's own file; Rasa has none). Paths are relative to the file's folder.
/// <code>
/// faq: [knowledge/faq.yml]       FAQ collections (.yml .yaml .csv .json); not under data/, which is training data
/// documents: [docs]              files or folders of .md .txt .html
/// encoder: ../models/all-MiniLM-L6-v2   optional sentence encoder folder: dense and hybrid ranking
/// fusion: mix                    rrf | mix (with dense)      mix_weight: 0.5
/// classifier_weight: 0.5         an FAQ classifier's share of an entry's rank score (default 0.5 without an encoder, 0 with one)
/// threshold: 0.35                confidence below it: no answer, "did you mean" buttons instead
/// index: models/knowledge.index  where the index is kept (default beside the model)
/// graph: models/graph.db         the knowledge graph's SQLite file (not used with a PostgreSQL tracker_store)
/// crosswoz: ../../../shared/datasets/crosswoz/database   imported into the graph when the graph is empty
/// synonyms: {紫禁城: 故宫}       other names of graph entities, for entity linking
/// context_passages: 4            action_llm_answer: passages the LLM sees, at most
/// context_budget: 4000           action_llm_answer: characters of passage text sent, at most
/// context_min_confidence: 0.15   action_llm_answer: passages below it are not sent (default: threshold / 2)
/// </code>
/// </summary>
public sealed record KnowledgeConfig
{
    public const string FileName = "knowledge.yml";

    public required string Root { get; init; }
    public IReadOnlyList<string> Faq { get; init; } = [];
    public IReadOnlyList<string> Documents { get; init; } = [];
    public string? Encoder { get; init; }
    public Fusion Fusion { get; init; } = Fusion.Mix;
    public float MixWeight { get; init; } = 0.5f;
    /// <summary>Null: <see cref="KnowledgeBase"/>'s default for the encoder (or its absence).</summary>
    public float? ClassifierWeight { get; init; }
    public float Threshold { get; init; } = 0.35f;
    public string IndexPath { get; init; } = Path.Combine("models", "knowledge.index");
    public string GraphPath { get; init; } = Path.Combine("models", "graph.db");
    public string? CrossWoz { get; init; }
    public IReadOnlyList<(string Alias, string Name)> Synonyms { get; init; } = [];
    public GroundedAnswerOptions Grounded { get; init; } = new();

    public string Resolve(string path) => Path.GetFullPath(Path.Combine(Root, path));

    /// <summary>The project's knowledge.yml, or null when it has none.</summary>
    public static KnowledgeConfig? Load(string projectDirectory)
    {
        var file = Path.Combine(projectDirectory, FileName);
        return File.Exists(file) ? Read(file) : null;
    }

    public static KnowledgeConfig Read(string file)
    {
        var stream = new YamlStream();
        try { stream.Load(new StringReader(File.ReadAllText(file))); }
        catch (YamlException e) { throw new KnowledgeFormatException(file, (int)e.Start.Line, e.Message); }
        var config = new KnowledgeConfig { Root = Path.GetDirectoryName(Path.GetFullPath(file))! };
        if (stream.Documents.Count == 0 || stream.Documents[0].RootNode is not YamlMappingNode map) return config;
        foreach (var (keyNode, value) in map.Children)
        {
            var key = ((YamlScalarNode)keyNode).Value;
            int line = (int)keyNode.Start.Line;
            string Scalar() => value is YamlScalarNode { Value: { } s } ? s : throw new KnowledgeFormatException(file, line, $"'{key}' wants one value");
            IReadOnlyList<string> List() => value switch
            {
                YamlSequenceNode seq => seq.OfType<YamlScalarNode>().Select(s => s.Value ?? "").ToList(),
                YamlScalarNode { Value: { } s } => [s],
                _ => throw new KnowledgeFormatException(file, line, $"'{key}' wants a list of paths"),
            };
            float Number() => float.TryParse(Scalar(), System.Globalization.CultureInfo.InvariantCulture, out var f)
                ? f : throw new KnowledgeFormatException(file, line, $"'{key}' wants a number");
            float Weight() => Number() is var w && w is >= 0f and <= 1f ? w : throw new KnowledgeFormatException(file, line, $"'{key}' is a weight from 0 to 1");
            int Count() => int.TryParse(Scalar(), out var n) && n > 0 ? n : throw new KnowledgeFormatException(file, line, $"'{key}' wants a positive whole number");
            config = key switch
            {
                "faq" => config with { Faq = List() },
                "documents" => config with { Documents = List() },
                "encoder" => config with { Encoder = ExistingFolder(config, file, line, value, Scalar()) },
                "fusion" => config with
                {
                    Fusion = Enum.TryParse<Fusion>(Scalar(), true, out var f) ? f : throw new KnowledgeFormatException(file, line, "fusion is rrf or mix"),
                },
                "mix_weight" => config with { MixWeight = Weight() },
                "threshold" => config with { Threshold = Number() },
                "classifier_weight" => config with { ClassifierWeight = Weight() },
                "index" => config with { IndexPath = Scalar() },
                "graph" => config with { GraphPath = Scalar() },
                "crosswoz" => config with { CrossWoz = Scalar() },
                "context_passages" => config with { Grounded = config.Grounded with { Passages = Count() } },
                "context_budget" => config with { Grounded = config.Grounded with { ContextBudgetChars = Count() } },
                "context_min_confidence" => config with { Grounded = config.Grounded with { MinConfidence = Number() } },
                "synonyms" => config with
                {
                    Synonyms = value is YamlMappingNode pairs
                        ? pairs.Children.Select(p => (((YamlScalarNode)p.Key).Value ?? "", (p.Value as YamlScalarNode)?.Value ?? "")).ToList()
                        : throw new KnowledgeFormatException(file, line, "synonyms is a mapping ALIAS: NAME"),
                },
                _ => throw new KnowledgeFormatException(file, line, $"unknown key '{key}' (faq, documents, encoder, fusion, mix_weight, classifier_weight, threshold, index, graph, crosswoz, synonyms, context_passages, context_budget, context_min_confidence)"),
            };
        }
        return config;
    }

    /// <summary>
    /// The encoder folder, which must exist: loading it only when the knowledge base opens would fail later, in serve or
    /// kb, without the line of knowledge.yml that names it.
    /// </summary>
    private static string ExistingFolder(KnowledgeConfig config, string file, int line, YamlNode value, string path)
    {
        var full = config.Resolve(path);
        if (Directory.Exists(full)) return path;
        throw new KnowledgeFormatException(file, line, File.Exists(full)
            ? $"encoder '{path}' is a file; it names a sentence-transformers model folder, relative to {FileName}"
            : $"encoder '{path}' does not exist (looked for the folder {full}); it names a sentence-transformers model folder, relative to {FileName}",
            (int)value.Start.Column);
    }

    /// <summary>Every knowledge file the config names: (absolute path, path relative to Root, is FAQ). Folders are walked in order.</summary>
    public IEnumerable<(string Path, string Source, bool IsFaq)> Files()
    {
        foreach (var f in Faq) yield return (Resolve(f), Relative(Resolve(f)), true);
        foreach (var d in Documents)
        {
            var full = Resolve(d);
            if (Directory.Exists(full))
            {
                foreach (var file in Directory.EnumerateFiles(full, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
                    if (DocumentReader.Extensions.Contains(System.IO.Path.GetExtension(file).ToLowerInvariant()))
                        yield return (file, Relative(file), false);
            }
            else yield return (full, Relative(full), false);
        }
    }

    public string Relative(string full) => System.IO.Path.GetRelativePath(Root, full).Replace('\\', '/');
}
