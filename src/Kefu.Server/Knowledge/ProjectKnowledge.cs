using Kefu.Knowledge;
using Kefu.Knowledge.Graph;
using Kefu.Projects;
using Kefu.Server.Storage;
using YamlDotNet.RepresentationModel;

namespace Kefu.Server.Knowledge;

/// <summary>
/// A project's knowledge with its graph where its conversations are: endpoints.yml `tracker_store: type: sql, dialect:
/// postgresql` puts the graph in that database (<see cref="PostgresGraphStore"/>, named by <see cref="GraphName"/>) and
/// knowledge.yml's `graph:` file is not used; otherwise the graph is that SQLite file, as <see cref="KnowledgeService.Open(string, TextWriter?, Func{IGraphStore}?)"/> alone does.
/// </summary>
public static class ProjectKnowledge
{
    /// <summary>The project's knowledge, or null without a knowledge.yml (errors: KnowledgeFormatException, and for endpoints.yml or PostgreSQL theirs).</summary>
    public static KnowledgeService? Open(string projectDirectory, TextWriter? log = null)
    {
        var config = KnowledgeConfig.Load(projectDirectory);
        if (config is null) return null;
        if (StoreEndpoints.Load(projectDirectory).PostgresConnectionString is not { } postgres) return KnowledgeService.Open(config, log);
        return KnowledgeService.Open(config, log, () =>
        {
            var store = new PostgresGraphStore(postgres, GraphName(projectDirectory));
            log?.WriteLine($"knowledge graph: {store.Description} (endpoints.yml tracker_store); knowledge.yml's graph file ({config.GraphPath}) is not used");
            return store;
        });
    }

    /// <summary>config.yml's assistant_id (Rasa's name for one assistant among several sharing a tracker store), else the project folder's name.</summary>
    public static string GraphName(string projectDirectory)
    {
        var file = Path.Combine(projectDirectory, "config.yml");
        if (File.Exists(file) && EndpointsYaml.Section(File.ReadAllText(file), file, "assistant_id") is YamlScalarNode { Value: { Length: > 0 } id })
            return id;
        return Path.GetFileName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(projectDirectory)));
    }
}
