using Kefu.Knowledge.Graph;

namespace Kefu.Knowledge;

/// <summary>
/// A project's knowledge as a server or the CLI holds it: the knowledge base (loaded from its index, brought up to date,
/// saved when anything changed; a damaged index is said on the log and rebuilt) and the knowledge graph (SQLite, or PostgreSQL when shared; imported from CrossWOZ when configured and empty).
/// </summary>
public sealed class KnowledgeService : IDisposable
{
    public KnowledgeService(KnowledgeConfig config, KnowledgeBase kb, IGraphStore? graph, IReadOnlyList<string> reindexed)
    {
        Config = config;
        Kb = kb;
        Graph = graph;
        Reindexed = reindexed;
    }

    public KnowledgeConfig Config { get; }
    public KnowledgeBase Kb { get; }
    public IGraphStore? Graph { get; }

    /// <summary>The sources this open analyzed (empty when the stored index was up to date).</summary>
    public IReadOnlyList<string> Reindexed { get; }

    /// <summary>The project's knowledge, or null without a knowledge.yml. Errors in its files are KnowledgeFormatExceptions.</summary>
    public static KnowledgeService? Open(string projectDirectory, TextWriter? log = null, Func<IGraphStore>? sharedGraph = null)
    {
        var config = KnowledgeConfig.Load(projectDirectory);
        return config is null ? null : Open(config, log, sharedGraph);
    }

    /// <param name="sharedGraph">
    /// The graph store when the graph is shared by the server's replicas (PostgreSQL beside the conversations: Kefu.Server's
    /// ProjectKnowledge chooses it); null: knowledge.yml's `graph:` SQLite file.
    /// </param>
    public static KnowledgeService Open(KnowledgeConfig config, TextWriter? log = null, Func<IGraphStore>? sharedGraph = null)
    {
        var encoder = config.Encoder is { } e ? SentenceTextEncoder.Load(config.Resolve(e)) : null;
        var kb = new KnowledgeBase(encoder, config.Fusion, config.MixWeight, config.Threshold, config.ClassifierWeight);
        var indexPath = config.Resolve(config.IndexPath);
        try { KnowledgeIndexFile.Load(kb, indexPath); }
        catch (InvalidDataException damaged)
        {
            // The index is derived from knowledge.yml's files: nothing is lost by analyzing them again.
            log?.WriteLine($"knowledge index: {damaged.Message}; rebuilding it from {KnowledgeConfig.FileName}'s files");
            kb = new KnowledgeBase(encoder, config.Fusion, config.MixWeight, config.Threshold, config.ClassifierWeight);
        }
        var (indexed, removed) = kb.Update(config);
        if (indexed.Count > 0 || removed.Count > 0 || !File.Exists(indexPath))
        {
            KnowledgeIndexFile.Save(kb, indexPath);
            log?.WriteLine($"knowledge index: {indexed.Count} file(s) indexed, {removed.Count} removed -> {indexPath}");
        }
        IGraphStore? graph = null;
        IGraphStore? shared = sharedGraph?.Invoke();
        if (shared is not null && config.CrossWoz is null && shared.EntityCount() == 0) (shared as IDisposable)?.Dispose(); // no graph, as without its file
        else if (shared is not null || config.CrossWoz is not null || File.Exists(config.Resolve(config.GraphPath)))
        {
            var store = shared ?? new SqliteGraphStore(config.Resolve(config.GraphPath));
            if (config.CrossWoz is { } folder && store.EntityCount() == 0)
            {
                var full = config.Resolve(folder);
                if (Directory.Exists(full))
                {
                    var report = CrossWozImporter.Import(full, store);
                    log?.WriteLine($"knowledge graph: imported {report}");
                }
                else log?.WriteLine($"knowledge graph: {full} is absent; the graph is empty");
            }
            graph = store;
        }
        return new KnowledgeService(config, kb, graph, indexed);
    }

    /// <summary>
    /// The actions this knowledge answers with: action_kb_answer (FAQ and documents; with a graph, graph facts the FAQ is not
    /// sure of), with a graph action_kb_query (FAQ answers the graph has nothing for), and
    /// with an LLM endpoint (endpoints.yml `llm:`) action_llm_answer, grounded on the passages. The bot uses those its
    /// domain declares.
    /// </summary>
    public IReadOnlyList<Dialogue.Actions.IAction> Actions(string? language, Microsoft.Extensions.AI.IChatClient? llm = null,
        Microsoft.Extensions.Logging.ILogger? log = null)
    {
        var actions = new List<Dialogue.Actions.IAction> { new KbAnswerAction(Kb, language, Answerer) };
        if (llm is not null) actions.Add(new GroundedAnswerAction(Kb, llm, Config.Grounded, log));
        if (Answerer is { } answerer) actions.Add(new GraphQueryAction(answerer, Kb));
        return actions;
    }

    /// <summary>The graph's question answerer (its entity linker is built on first use: every name of the graph).</summary>
    public GraphAnswerer? Answerer => Graph is { } g ? answerer ??= new GraphAnswerer(g, EntityLinker.From(g, Config.Synonyms)) : null;

    GraphAnswerer? answerer;

    public void Dispose() => (Graph as IDisposable)?.Dispose();
}
