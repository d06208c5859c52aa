using System.Globalization;
using Kefu.Knowledge.Graph;
using Kefu.Server.Knowledge;
using Kefu.Server.Tests;
using Npgsql;

namespace Kefu.Tests.Knowledge;

/// <summary>
/// CrossWOZ's database (../shared/datasets/crosswoz/database) imported into SQLite and into PostgreSQL: the same counts,
/// entities, and answers to the same generated queries and questions. Skips, saying why, without the data or PostgreSQL.
/// </summary>
public class CrossWozGraphParityTests
{
    static string Describe(GraphEntity e) => $"{e.Id} [{e.Type}/{e.Name}] " + string.Join("; ", e.Attributes.Select(a =>
        $"{a.Key}={a.Value.Text}|{a.Value.Number?.ToString("R", CultureInfo.InvariantCulture)}|{(a.Value.Items is { } items ? string.Join(",", items) : "-")}"));

    [SkippableFact]
    public void CrossWoz_imports_into_both_stores_with_the_same_counts_queries_and_answers()
    {
        var folder = Path.Combine(RepoPaths.Shared, "datasets", "crosswoz", "database");
        Skip.IfNot(Directory.Exists(folder), $"{folder} is absent (CrossWOZ's database, expected in ../shared/datasets)");
        using var schema = new TestServices.PostgresSchema();
        using var sqlite = new SqliteGraphStore(":memory:");
        using var postgres = new PostgresGraphStore(schema.ConnectionString, "crosswoz");
        Assert.Equal(CrossWozImporter.Import(folder, sqlite).ToString(), CrossWozImporter.Import(folder, postgres).ToString());

        Assert.Equal(sqlite.Types(), postgres.Types());
        Assert.Equal(2793, postgres.EntityCount());
        Assert.Equal(sqlite.Names(), postgres.Names());
        foreach (var type in sqlite.Types().Keys) Assert.Equal(sqlite.Attributes(type), postgres.Attributes(type));
        foreach (var id in sqlite.Names().Take(200).Select(n => n.Id)) Assert.Equal(Describe(sqlite.Get(id)!), Describe(postgres.Get(id)!));

        var places = sqlite.Names().Where(n => n.Type is "景点" or "餐馆" or "酒店").ToList();
        var random = new Random(5);
        string[] types = ["景点", "餐馆", "酒店"];
        var price = new Dictionary<string, string> { ["景点"] = "门票", ["餐馆"] = "人均消费", ["酒店"] = "价格" };
        var queries = new List<EntityQuery>
        {
            new("餐馆") { Filters = [AttributeFilter.Has("推荐菜", "豆汁")], Limit = 50 },
            new("餐馆") { Filters = [AttributeFilter.Has("推荐菜", "烤鸭"), AttributeFilter.AtMost("人均消费", 150)], OrderBy = "人均消费", Limit = 20 },
            new("酒店") { Filters = [AttributeFilter.Is("酒店类型", "高档型"), AttributeFilter.Has("酒店设施", "WIFI")], OrderBy = "价格", Descending = true, Limit = 20 },
            new("酒店") { Filters = [AttributeFilter.Has("地址", "朝阳区 路")], Limit = 30 },
            new("景点") { Filters = [new AttributeFilter("门票", FilterOp.Equals, 0)], OrderBy = "评分", Descending = true, Limit = 30 },
            new("地铁站") { Limit = 1000 },
            new("景点") { Limit = 1000 },
        };
        for (int i = 0; i < 60; i++)
        {
            var type = types[random.Next(3)];
            var from = places[random.Next(places.Count)].Id;
            queries.Add(new EntityQuery(type)
            {
                Filters = [AttributeFilter.AtLeast("评分", 4 + random.Next(8) / 10.0), AttributeFilter.Between(price[type], random.Next(5) * 20, 100 + random.Next(20) * 25)],
                OrderBy = random.Next(2) == 0 ? "评分" : price[type], Descending = random.Next(2) == 0, Limit = 5 + random.Next(10),
            });
            queries.Add(new EntityQuery(type) { From = from, Hops = [new Hop("周边", type)], OrderBy = "评分", Descending = true, Limit = 10 });
            queries.Add(new EntityQuery("餐馆") { From = from, Hops = [new Hop("周边", "酒店"), new Hop("周边", "餐馆")], OrderBy = "人均消费", Limit = 10 });
            queries.Add(new EntityQuery("") { From = from, Hops = [new Hop(null, null)], Limit = 20 });
        }
        foreach (var q in queries)
        {
            var expected = sqlite.Query(q).Select(Describe).ToList();
            Assert.Equal(expected, postgres.Query(q).Select(Describe).ToList());
        }
        Assert.Contains(queries.Take(5), q => sqlite.Query(q).Count > 0);

        var sqliteAnswers = new GraphAnswerer(sqlite, EntityLinker.From(sqlite));
        var postgresAnswers = new GraphAnswerer(postgres, EntityLinker.From(postgres));
        string[] templates = ["{0}的电话是多少", "{0}附近有什么餐馆", "{0}的评分怎么样", "{0}周边评分4.5以上的酒店", "{0}的地址", "{0}离哪个地铁站近"];
        for (int i = 0; i < 60; i++)
        {
            var question = string.Format(CultureInfo.InvariantCulture, templates[i % templates.Length], places[random.Next(places.Count)].Name);
            Assert.Equal(sqliteAnswers.Answer(question).Text, postgresAnswers.Answer(question).Text);
        }
    }
}

/// <summary>
/// A project whose endpoints.yml keeps conversations in PostgreSQL keeps its graph there too: imported once from
/// knowledge.yml's crosswoz folder, found by the next replica, answered through KnowledgeService; without it, SQLite.
/// </summary>
public class ProjectKnowledgeGraphTests
{
    static TempFolder Project(string endpoints, string assistantId) => new(
        ("config.yml", $"assistant_id: {assistantId}\nlanguage: zh\n"),
        ("knowledge.yml", "crosswoz: crosswoz\ngraph: models/graph.db\n"),
        ("endpoints.yml", endpoints),
        ("crosswoz/attraction_db.json", """[["故宫", {"领域": "景点", "名称": "故宫", "门票": 60, "评分": 4.7, "地铁": "天安门东地铁站B口", "周边餐馆": ["四季民福"], "周边景点": [], "周边酒店": []}]]"""),
        ("crosswoz/hotel_db.json", "[]"),
        ("crosswoz/restaurant_db.json", """[["四季民福", {"人均消费": 95, "评分": 4.8, "推荐菜": ["烤鸭", "宫保虾球"], "周边景点": ["故宫"]}]]"""),
        ("crosswoz/metro_db.json", "[]"));

    [SkippableFact]
    public void With_a_postgresql_tracker_store_the_graph_is_imported_there_once_and_answers_questions()
    {
        TestServices.RequirePostgres();
        var pg = new NpgsqlConnectionStringBuilder(TestServices.PostgresConnectionString);
        var graphName = "kefu-test-" + Guid.NewGuid().ToString("N")[..10];
        using var dir = Project($"""
            tracker_store:
              type: sql
              dialect: postgresql
              url: {pg.Host}
              port: {pg.Port}
              db: {pg.Database}
              username: {pg.Username}
              password: {pg.Password}
            """, graphName);
        try
        {
            var log = new StringWriter();
            using (var first = ProjectKnowledge.Open(dir.Path, log)!)
            {
                var store = Assert.IsType<PostgresGraphStore>(first.Graph);
                Assert.Equal(graphName, store.GraphName);
                var answer = first.Answerer!.Answer("故宫的门票多少钱");
                Assert.True(answer.Answered);
                Assert.Contains("60", answer.Text);
            }
            Assert.Contains("knowledge graph: imported 3 entities", log.ToString());
            Assert.Contains("graph file (models/graph.db) is not used", log.ToString());
            Assert.False(File.Exists(dir.File("models/graph.db")));

            var again = new StringWriter();
            using var second = ProjectKnowledge.Open(dir.Path, again)!;
            Assert.DoesNotContain("imported", again.ToString());
            Assert.Equal(["四季民福"], second.Graph!.Neighbors("景点:故宫", new Hop("周边", "餐馆")).Select(e => e.Name));
            Assert.Contains("四季民福", second.Answerer!.Answer("故宫附近有什么餐馆").Text);
        }
        finally
        {
            using var c = new NpgsqlConnection(TestServices.PostgresConnectionString);
            c.Open();
            foreach (var table in new[] { "kefu_graph_entity", "kefu_graph_attr", "kefu_graph_item", "kefu_graph_relation" })
            {
                using var delete = new NpgsqlCommand($"DELETE FROM {table} WHERE graph = $1", c) { Parameters = { new() { Value = graphName } } };
                delete.ExecuteNonQuery();
            }
        }
    }

    [SkippableFact]
    public void With_a_postgresql_tracker_store_an_empty_graph_and_no_crosswoz_is_no_graph()
    {
        TestServices.RequirePostgres();
        var pg = new NpgsqlConnectionStringBuilder(TestServices.PostgresConnectionString);
        using var dir = Project($"tracker_store: {{type: sql, dialect: postgresql, url: {pg.Host}, port: {pg.Port}, db: {pg.Database}, username: {pg.Username}, password: {pg.Password}}}\n",
            "kefu-test-empty-" + Guid.NewGuid().ToString("N")[..10]);
        File.WriteAllText(dir.File("knowledge.yml"), "threshold: 0.3\n");
        using var knowledge = ProjectKnowledge.Open(dir.Path)!;
        Assert.Null(knowledge.Graph);
        Assert.Null(knowledge.Answerer);
    }

    [Fact]
    public void Without_one_the_graph_is_knowledge_ymls_sqlite_file()
    {
        using var dir = Project("", "kefu-test-sqlite");
        using var knowledge = ProjectKnowledge.Open(dir.Path)!;
        Assert.IsType<SqliteGraphStore>(knowledge.Graph);
        Assert.Equal(3, knowledge.Graph!.EntityCount());
        Assert.True(File.Exists(dir.File("models/graph.db")));
    }

    [Fact]
    public void The_graph_is_named_by_assistant_id_else_by_the_project_folder()
    {
        using var dir = Project("", "kefu-travel");
        Assert.Equal("kefu-travel", ProjectKnowledge.GraphName(dir.Path));
        File.WriteAllText(dir.File("config.yml"), "language: zh\n");
        Assert.Equal(Path.GetFileName(dir.Path), ProjectKnowledge.GraphName(dir.Path + Path.DirectorySeparatorChar));
    }
}
