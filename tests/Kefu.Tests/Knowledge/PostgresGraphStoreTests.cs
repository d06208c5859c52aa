using Kefu.Knowledge.Graph;
using Kefu.Server.Knowledge;
using Kefu.Server.Tests;
using Npgsql;

namespace Kefu.Tests.Knowledge;

/// <summary>
/// <see cref="GraphStoreContract"/> against PostgreSQL (scripts/ci-deps.sh's, or KEFU_TEST_POSTGRES; skipped, saying why,
/// when it is absent), each test in a schema of its own; and what only a shared database has: graphs side by side,
/// replicas starting and importing together, a schema newer than this Kefu.
/// </summary>
public sealed class PostgresGraphStoreTests : GraphStoreContract
{
    TestServices.PostgresSchema? schema;

    TestServices.PostgresSchema Schema => schema ??= new TestServices.PostgresSchema();

    protected override IGraphStore CreateEmpty() => new PostgresGraphStore(Schema.ConnectionString, "test");

    [SkippableFact]
    public void Two_projects_graphs_share_the_tables_but_not_their_entities()
    {
        var travel = Tiny();
        using var other = new PostgresGraphStore(Schema.ConnectionString, "other");
        Assert.Equal(0, other.EntityCount());
        other.Upsert([new GraphEntity("景点:故宫", "景点", "故宫", new Dictionary<string, AttributeValue> { ["门票"] = AttributeValue.Of(1) })], []);
        Assert.Equal(1, other.EntityCount());
        Assert.Empty(other.Neighbors("景点:故宫", new Hop(null, null)));
        Assert.Equal(60, travel.Get("景点:故宫")!["门票"]!.Number);
        Assert.Equal(7, travel.EntityCount());
    }

    [SkippableFact]
    public void Replicas_starting_and_importing_together_migrate_once_and_store_the_graph_once()
    {
        var database = Schema.ConnectionString; // created once, before the replicas start
        var stores = Enumerable.Range(0, 4).AsParallel().WithDegreeOfParallelism(4)
            .Select(_ => new PostgresGraphStore(database, "test")).ToList();
        try
        {
            Parallel.ForEach(stores, Fill);
            Assert.Equal(PostgresGraphStore.SchemaVersion, Scalar("SELECT version FROM kefu_graph_schema_version"));
            Assert.Equal(1L, Scalar("SELECT COUNT(*) FROM kefu_graph_schema_version"));
            Assert.Equal(7L, Scalar("SELECT COUNT(*) FROM kefu_graph_entity"));
            Assert.Equal(4L, Scalar("SELECT COUNT(*) FROM kefu_graph_item"));
            Assert.Equal(5L, Scalar("SELECT COUNT(*) FROM kefu_graph_relation"));
            Assert.Equal(["豆汁", "驴打滚"], stores[3].Get("餐馆:护国寺小吃店（护国寺总店）")!["推荐菜"]!.Items!);
        }
        finally
        {
            foreach (var s in stores) s.Dispose();
        }
    }

    [SkippableFact]
    public void A_schema_newer_than_this_kefu_is_refused_with_both_versions()
    {
        Empty();
        Schema.Execute($"UPDATE {Schema.Name}.kefu_graph_schema_version SET version = 99");
        var e = Assert.Throws<GraphStoreException>(() => new PostgresGraphStore(Schema.ConnectionString, "test"));
        Assert.Contains($"schema version 99; this Kefu knows up to {PostgresGraphStore.SchemaVersion}", e.Message);
    }

    [SkippableFact]
    public void The_graph_lives_beside_the_conversations_tables_without_touching_them()
    {
        Empty();
        using var events = new Kefu.Server.Storage.PostgresEventStore(Schema.ConnectionString);
        Assert.Equal(["kefu_appends", "kefu_graph_attr", "kefu_graph_entity", "kefu_graph_item", "kefu_graph_relation", "kefu_graph_schema_version", "kefu_schema_version"],
            Strings($"SELECT table_name::text FROM information_schema.tables WHERE table_schema = '{Schema.Name}' ORDER BY 1"));
    }

    object? Scalar(string sql)
    {
        using var c = new NpgsqlConnection(Schema.ConnectionString);
        c.Open();
        using var cmd = new NpgsqlCommand(sql, c);
        return cmd.ExecuteScalar();
    }

    List<string> Strings(string sql)
    {
        using var c = new NpgsqlConnection(Schema.ConnectionString);
        c.Open();
        using var cmd = new NpgsqlCommand(sql, c);
        using var r = cmd.ExecuteReader();
        var result = new List<string>();
        while (r.Read()) result.Add(r.GetString(0));
        return result;
    }

    public override void Dispose()
    {
        base.Dispose();
        schema?.Dispose();
    }
}
