using Kefu.Knowledge.Graph;

namespace Kefu.Tests.Knowledge;

/// <summary>
/// What every <see cref="IGraphStore"/> does, run against SQLite (<see cref="SqliteGraphStoreTests"/>) and PostgreSQL
/// (<see cref="PostgresGraphStoreTests"/>): a tiny graph shaped like CrossWOZ's (places with numbers, lists and "nearby"
/// relations, and a station) and the queries action_kb_query asks.
/// </summary>
public abstract class GraphStoreContract : IDisposable
{
    readonly List<IGraphStore> opened = [];

    /// <summary>A new, empty store (skips the test when its database is absent).</summary>
    protected abstract IGraphStore CreateEmpty();

    protected IGraphStore Empty()
    {
        var store = CreateEmpty();
        opened.Add(store);
        return store;
    }

    protected IGraphStore Tiny()
    {
        var store = Empty();
        Fill(store);
        return store;
    }

    static GraphEntity E(string type, string name, params (string, AttributeValue)[] attrs) =>
        new(GraphEntity.MakeId(type, name), type, name, attrs.ToDictionary(a => a.Item1, a => a.Item2));

    internal static void Fill(IGraphStore store)
    {
        var v = (double n) => AttributeValue.Of(n);
        var t = (string s) => AttributeValue.Of(s);
        store.Upsert([
            E("景点", "故宫", ("门票", v(60)), ("评分", v(4.7)), ("电话", t("010-85007938")), ("地铁", t("灯市口地铁站A口"))),
            E("景点", "天坛", ("门票", v(15)), ("评分", v(4.6))),
            E("餐馆", "护国寺小吃店（护国寺总店）", ("人均消费", v(23)), ("评分", v(4.3)), ("营业时间", t("5:30-21:00")),
                ("推荐菜", AttributeValue.Of(["豆汁", "驴打滚"]))),
            E("餐馆", "全聚德", ("人均消费", v(180)), ("评分", v(4.6))),
            E("餐馆", "四季民福", ("人均消费", v(95)), ("评分", v(4.8))),
            E("酒店", "北京贵都大酒店", ("价格", v(1354)), ("评分", v(4.7)), ("酒店类型", t("高档型"))),
            E("地铁站", "灯市口地铁站", ("出口", AttributeValue.Of(["A口", "B口"]))),
        ], [
            new("景点:故宫", "周边", "餐馆:全聚德"), new("景点:故宫", "周边", "餐馆:四季民福"), new("景点:故宫", "周边", "酒店:北京贵都大酒店"),
            new("酒店:北京贵都大酒店", "周边", "餐馆:护国寺小吃店（护国寺总店）"), new("景点:故宫", "地铁站", "地铁站:灯市口地铁站"),
        ]);
    }

    [SkippableFact]
    public void Filters_and_ranges_select_by_type_and_order_by_an_attribute()
    {
        var store = Tiny();
        var cheapGood = store.Query(new EntityQuery("餐馆")
        {
            Filters = [AttributeFilter.AtLeast("评分", 4.5), AttributeFilter.AtMost("人均消费", 100)],
        });
        Assert.Equal(["四季民福"], cheapGood.Select(e => e.Name));
        var between = store.Query(new EntityQuery("餐馆") { Filters = [AttributeFilter.Between("人均消费", 20, 100)], OrderBy = "评分", Descending = true });
        Assert.Equal(["四季民福", "护国寺小吃店（护国寺总店）"], between.Select(e => e.Name));
        Assert.Equal(["护国寺小吃店（护国寺总店）"], store.Query(new EntityQuery("餐馆") { Filters = [AttributeFilter.Has("推荐菜", "豆汁")] }).Select(e => e.Name));
        Assert.Equal(["北京贵都大酒店"], store.Query(new EntityQuery("酒店") { Filters = [AttributeFilter.Is("酒店类型", "高档型")] }).Select(e => e.Name));
    }

    [SkippableFact]
    public void One_and_two_hops_follow_typed_relations()
    {
        var store = Tiny();
        var near = store.Query(new EntityQuery("餐馆") { From = "景点:故宫", Hops = [new Hop("周边", "餐馆")], OrderBy = "评分", Descending = true });
        Assert.Equal(["四季民福", "全聚德"], near.Select(e => e.Name));
        // 故宫 → nearby hotel → nearby restaurant.
        var twoHops = store.Query(new EntityQuery("餐馆") { From = "景点:故宫", Hops = [new Hop("周边", "酒店"), new Hop("周边", "餐馆")] });
        Assert.Equal(["护国寺小吃店（护国寺总店）"], twoHops.Select(e => e.Name));
        Assert.Equal(["A口", "B口"], store.Neighbors("景点:故宫", new Hop("地铁站", "地铁站")).Single()["出口"]!.Items!);
        // Any relation to any type, ordered by id (byte order: 地 < 酒 < 餐).
        Assert.Equal(["地铁站:灯市口地铁站", "酒店:北京贵都大酒店", "餐馆:全聚德", "餐馆:四季民福"],
            store.Neighbors("景点:故宫", new Hop(null, null)).Select(e => e.Id));
        Assert.Equal(["餐馆:全聚德"], store.Neighbors("景点:故宫", new Hop("周边", "餐馆"), limit: 1).Select(e => e.Id));
    }

    [SkippableFact]
    public void Unknown_types_and_attributes_are_errors_that_name_what_is_known()
    {
        var store = Tiny();
        var type = Assert.Throws<GraphQueryException>(() => store.Query(new EntityQuery("博物馆")));
        Assert.Contains("unknown entity type '博物馆'", type.Message);
        Assert.Contains("餐馆", type.Message);
        var attr = Assert.Throws<GraphQueryException>(() => store.Query(new EntityQuery("餐馆") { Filters = [AttributeFilter.AtMost("门票", 10)] }));
        Assert.Contains("'餐馆' has no attribute '门票'", attr.Message);
        Assert.Throws<GraphQueryException>(() => store.Query(new EntityQuery("餐馆") { Hops = [new Hop("周边", "餐馆")] }));
        Assert.Throws<GraphQueryException>(() => store.Query(new EntityQuery("餐馆") { From = "景点:故宫", Hops = [new Hop(null, null), new Hop(null, null), new Hop(null, null)] }));
    }

    [SkippableFact]
    public void Lookups_counts_and_names_are_in_byte_order()
    {
        var store = Tiny();
        Assert.Equal(7, store.EntityCount());
        Assert.Equal([("地铁站", 1), ("景点", 2), ("酒店", 1), ("餐馆", 3)], store.Types().Select(t => (t.Key, t.Value)));
        Assert.Equal(["人均消费", "推荐菜", "营业时间", "评分"], store.Attributes("餐馆"));
        Assert.Equal(store.Names().Select(n => n.Id).Order(StringComparer.Ordinal), store.Names().Select(n => n.Id));
        Assert.Contains(("景点:故宫", "景点", "故宫"), store.Names());
        var gugong = store.Get("景点:故宫")!;
        Assert.Equal(("景点", "故宫", 60.0, "010-85007938"), (gugong.Type, gugong.Name, gugong["门票"]!.Number!.Value, gugong["电话"]!.Text));
        Assert.Null(store.Get("景点:不存在"));
        Assert.Equal(["餐馆:全聚德"], store.FindByName("全聚德").Select(e => e.Id));
        Assert.Empty(store.FindByName("全聚"));
    }

    [SkippableFact]
    public void Text_conditions_match_as_sqlite_like_does_and_missing_order_values_sort_last()
    {
        var store = Empty();
        store.Upsert([
            E("店", "a", ("标签", AttributeValue.Of(["Wi-Fi 免费", "停车"])), ("说明", AttributeValue.Of("Open 24h, ÉTÉ")), ("分", AttributeValue.Of(2))),
            E("店", "b", ("说明", AttributeValue.Of("open late")), ("分", AttributeValue.Of(5))),
            E("店", "c", ("说明", AttributeValue.Of("100% 好评_"))),
        ], []);
        string[] Names(params AttributeFilter[] filters) => [.. store.Query(new EntityQuery("店") { Filters = filters }).Select(e => e.Name)];
        Assert.Equal(["a", "b"], Names(AttributeFilter.Has("说明", "OPEN")));               // ASCII letters ignore case
        Assert.Equal(["a"], Names(AttributeFilter.Has("说明", "ÉTÉ")));
        Assert.Empty(Names(AttributeFilter.Has("说明", "été")));                           // other letters do not (SQLite's LIKE)
        Assert.Equal(["a"], Names(AttributeFilter.Has("说明", "open 24H")));               // every word, anywhere
        Assert.Equal(["a"], Names(AttributeFilter.Has("标签", "wi-fi")));                  // a list: any item
        Assert.Equal(["a"], Names(AttributeFilter.Is("标签", "停车")));
        Assert.Empty(Names(AttributeFilter.Is("标签", "停")));
        Assert.Equal(["a", "b", "c"], Names(AttributeFilter.Has("说明", "%")));            // % and _ are LIKE's wildcards, no escape
        Assert.Equal(["c"], Names(AttributeFilter.Has("说明", "好评_")));
        Assert.Equal(["b"], Names(new AttributeFilter("分", FilterOp.Equals, 5)));
        Assert.Equal(["b", "a", "c"], store.Query(new EntityQuery("店") { OrderBy = "分", Descending = true }).Select(e => e.Name));
        Assert.Equal(["a", "b", "c"], store.Query(new EntityQuery("店") { OrderBy = "分" }).Select(e => e.Name));
        Assert.Equal(["a", "b"], store.Query(new EntityQuery("店") { Limit = 2 }).Select(e => e.Name));
        Assert.Empty(store.Query(new EntityQuery("店") { Limit = -1 }));
    }

    [SkippableFact]
    public void Upserting_again_replaces_an_entitys_attributes_and_adds_each_relation_once()
    {
        var store = Tiny();
        store.Upsert([E("餐馆", "全聚德", ("人均消费", AttributeValue.Of(200)), ("推荐菜", AttributeValue.Of(["烤鸭"])))],
            [new("景点:故宫", "周边", "餐馆:全聚德"), new("景点:天坛", "周边", "餐馆:全聚德"), new("景点:天坛", "周边", "餐馆:全聚德")]);
        var quanjude = store.Get("餐馆:全聚德")!;
        Assert.Equal(["人均消费", "推荐菜"], quanjude.Attributes.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(200, quanjude["人均消费"]!.Number);
        Assert.Equal(["全聚德"], store.Query(new EntityQuery("餐馆") { Filters = [AttributeFilter.Is("推荐菜", "烤鸭")] }).Select(e => e.Name));
        Assert.Equal(["全聚德", "四季民福"], store.Neighbors("景点:故宫", new Hop("周边", "餐馆")).Select(e => e.Name));
        Assert.Equal(["全聚德"], store.Neighbors("景点:天坛", new Hop("周边", null)).Select(e => e.Name));
        Assert.Equal(7, store.EntityCount());
        // The same id twice in one batch: the last one wins, whole.
        store.Upsert([E("景点", "天坛", ("门票", AttributeValue.Of(15))), E("景点", "天坛", ("评分", AttributeValue.Of(4.9)))], []);
        Assert.Equal(["评分"], store.Get("景点:天坛")!.Attributes.Keys);
    }

    public virtual void Dispose()
    {
        foreach (var store in opened) (store as IDisposable)?.Dispose();
        GC.SuppressFinalize(this);
    }
}

public class SqliteGraphStoreTests : GraphStoreContract
{
    /// <summary>The tiny graph in an in-memory SQLite store, for the tests of what reads the graph.</summary>
    internal static SqliteGraphStore TinySqlite()
    {
        var store = new SqliteGraphStore(":memory:");
        Fill(store);
        return store;
    }

    protected override IGraphStore CreateEmpty() => new SqliteGraphStore(":memory:");

    [Fact]
    public void The_graph_survives_reopening_its_file()
    {
        var path = Path.Combine(Path.GetTempPath(), $"kefu-graph-{Guid.NewGuid():N}.db");
        try
        {
            using (var store = new SqliteGraphStore(path))
                store.Upsert([new GraphEntity("景点:故宫", "景点", "故宫", new Dictionary<string, AttributeValue> { ["门票"] = AttributeValue.Of(60) })], []);
            using var reopened = new SqliteGraphStore(path);
            Assert.Equal(60, reopened.Get("景点:故宫")!["门票"]!.Number);
        }
        finally { Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools(); File.Delete(path); }
    }
}

public class EntityLinkerTests
{
    static EntityLinker Linker() => new(
        [("景点:故宫", "景点", "故宫"), ("景点:天坛公园", "景点", "天坛公园"), ("餐馆:护国寺小吃店（护国寺总店）", "餐馆", "护国寺小吃店（护国寺总店）"),
         ("地铁站:灯市口地铁站", "地铁站", "灯市口地铁站")],
        [("紫禁城", "故宫")]);

    [Theory]
    [InlineData("故宫的门票多少钱", "景点:故宫")]
    [InlineData("紫禁城几点开门", "景点:故宫")]
    [InlineData("护国寺小吃店的电话", "餐馆:护国寺小吃店（护国寺总店）")]
    [InlineData("灯市口站有几个出口", "地铁站:灯市口地铁站")]
    public void Names_synonyms_and_short_forms_link_exactly(string text, string id) =>
        Assert.Equal(id, Linker().Exact(text).Single().EntityIds.Single());

    [Fact]
    public void A_misspelled_name_links_fuzzily_and_unrelated_text_does_not()
    {
        var m = Linker().Link("天坛公圆评分怎么样");
        Assert.Equal("景点:天坛公园", Assert.Single(m).EntityIds.Single());
        Assert.True(m[0].Score < 1);
        Assert.Empty(Linker().Link("今天天气怎么样"));
    }
}
