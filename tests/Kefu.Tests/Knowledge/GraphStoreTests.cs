using Kefu.Knowledge.Graph;

namespace Kefu.Tests.Knowledge;

/// <summary>A tiny graph shaped like CrossWOZ's: places with numbers, lists and "nearby" relations, and a station.</summary>
public class GraphStoreTests
{
    internal static SqliteGraphStore Tiny()
    {
        var store = new SqliteGraphStore(":memory:");
        GraphEntity E(string type, string name, params (string, AttributeValue)[] attrs) =>
            new(GraphEntity.MakeId(type, name), type, name, attrs.ToDictionary(a => a.Item1, a => a.Item2));
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
        return store;
    }

    [Fact]
    public void Filters_and_ranges_select_by_type_and_order_by_an_attribute()
    {
        using var store = Tiny();
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

    [Fact]
    public void One_and_two_hops_follow_typed_relations()
    {
        using var store = Tiny();
        var near = store.Query(new EntityQuery("餐馆") { From = "景点:故宫", Hops = [new Hop("周边", "餐馆")], OrderBy = "评分", Descending = true });
        Assert.Equal(["四季民福", "全聚德"], near.Select(e => e.Name));
        // 故宫 → nearby hotel → nearby restaurant.
        var twoHops = store.Query(new EntityQuery("餐馆") { From = "景点:故宫", Hops = [new Hop("周边", "酒店"), new Hop("周边", "餐馆")] });
        Assert.Equal(["护国寺小吃店（护国寺总店）"], twoHops.Select(e => e.Name));
        Assert.Equal(["A口", "B口"], store.Neighbors("景点:故宫", new Hop("地铁站", "地铁站")).Single()["出口"]!.Items!);
    }

    [Fact]
    public void Unknown_types_and_attributes_are_errors_that_name_what_is_known()
    {
        using var store = Tiny();
        var type = Assert.Throws<GraphQueryException>(() => store.Query(new EntityQuery("博物馆")));
        Assert.Contains("unknown entity type '博物馆'", type.Message);
        Assert.Contains("餐馆", type.Message);
        var attr = Assert.Throws<GraphQueryException>(() => store.Query(new EntityQuery("餐馆") { Filters = [AttributeFilter.AtMost("门票", 10)] }));
        Assert.Contains("'餐馆' has no attribute '门票'", attr.Message);
    }

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
