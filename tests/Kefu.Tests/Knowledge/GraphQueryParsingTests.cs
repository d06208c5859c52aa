using Kefu.Knowledge;
using Kefu.Knowledge.Graph;

namespace Kefu.Tests.Knowledge;

/// <summary>The graph's query line (GraphQueryText) and the Chinese questions action_kb_query reads (GraphQuestionReader).</summary>
public class GraphQueryParsingTests
{
    [Fact]
    public void A_query_line_reads_bounds_ranges_text_conditions_order_and_limit()
    {
        var q = GraphQueryText.Parse("餐馆 评分>=4.5 人均消费<=100 价格=300-500 推荐菜~豆汁 酒店类型=高档型 门票=0 order:-评分 limit:3");
        Assert.Equal("餐馆", q.Type);
        Assert.Equal([
            AttributeFilter.AtLeast("评分", 4.5), AttributeFilter.AtMost("人均消费", 100), AttributeFilter.Between("价格", 300, 500),
            AttributeFilter.Has("推荐菜", "豆汁"), AttributeFilter.Is("酒店类型", "高档型"), new AttributeFilter("门票", FilterOp.Equals, 0),
        ], q.Filters);
        Assert.Equal(("评分", true, 3), (q.OrderBy, q.Descending, q.Limit));
        Assert.Empty(q.Hops);
    }

    [Fact]
    public void From_and_via_make_one_and_two_hop_queries_whose_last_hop_reaches_the_queried_type()
    {
        var one = GraphQueryText.Parse("餐馆 from:景点:故宫 via:周边");
        Assert.Equal("景点:故宫", one.From);
        Assert.Equal([new Hop("周边", "餐馆")], one.Hops);
        var two = GraphQueryText.Parse("餐馆 from:景点:故宫 via:周边/酒店 via:周边");
        Assert.Equal([new Hop("周边", "酒店"), new Hop("周边", "餐馆")], two.Hops);
        using var store = SqliteGraphStoreTests.TinySqlite();
        Assert.Equal(["护国寺小吃店（护国寺总店）"], store.Query(two).Select(e => e.Name));
    }

    [Theory]
    [InlineData("", "an empty query")]
    [InlineData("餐馆 评分>=高", "'评分>=高': the bound is not a number")]
    [InlineData("餐馆 limit:0", "limit is a positive number")]
    [InlineData("餐馆 via:周边", "via: needs from:ENTITY_ID")]
    [InlineData("餐馆 好吃", "'好吃' is not a condition")]
    public void A_bad_query_line_is_an_error_that_says_what_is_wrong(string text, string message) =>
        Assert.Contains(message, Assert.Throws<GraphQueryException>(() => GraphQueryText.Parse(text)).Message);

    [Fact]
    public void An_unknown_entity_type_names_the_known_ones()
    {
        using var store = SqliteGraphStoreTests.TinySqlite();
        var e = Assert.Throws<GraphQueryException>(() => store.Query(GraphQueryText.Parse("飞机 评分>=4")));
        Assert.Contains("飞机", e.Message);
        Assert.Contains("餐馆", e.Message);
    }

    static GraphQuestion Read(string text) => GraphQuestionReader.Read(text, EntityLinker.From(SqliteGraphStoreTests.TinySqlite()), GraphVocabulary.CrossWoz);

    [Theory]
    [InlineData("评分4.5以上的餐馆", "餐馆", "评分>=4.5")]
    [InlineData("人均100以内的饭店", "餐馆", "人均消费<=100")]
    [InlineData("人均50到100的餐厅", "餐馆", "人均消费=50-100")]
    [InlineData("价格不超过500的酒店", "酒店", "价格<=500")]
    [InlineData("门票30元以下的景点", "景点", "门票<=30")]
    [InlineData("有没有免费的景点", "景点", "门票<=0")]
    [InlineData("评分不低于4.6、人均100以内的餐馆", "餐馆", "评分>=4.6 人均消费<=100")]
    [InlineData("推荐几家高档型酒店", "酒店", "酒店类型=高档型")]
    public void Chinese_ranges_become_filters_on_the_right_attribute(string text, string type, string filters)
    {
        var q = Read(text);
        Assert.Equal(type, q.TargetType);
        Assert.Equal(GraphQueryText.Parse(type + " " + filters).Filters.Select(Normal).Order(), q.Filters.Select(Normal).Order());
    }

    // "门票<=0" parses as AtMost; "=50-100" as Between; equal-text filters compare as they are.
    static string Normal(AttributeFilter f) => $"{f.Attribute} {f.Op} {f.Number} {f.Upper} {f.Text}";

    [Theory]
    [InlineData("故宫附近的餐馆", "景点:故宫", "餐馆", null)]
    [InlineData("离故宫近的酒店", "景点:故宫", "酒店", null)]
    [InlineData("故宫附近地铁站的出口", "景点:故宫", "地铁站", "出口")]
    public void Nearby_questions_name_the_subject_and_the_type_reached(string text, string subject, string type, string? attribute)
    {
        var q = Read(text);
        Assert.True(q.Near);
        Assert.Equal(subject, Assert.Single(q.Mentions).EntityIds[0]);
        Assert.Equal((type, attribute), (q.TargetType, q.Attribute));
    }

    [Theory]
    [InlineData("那它的电话呢？", "电话")]
    [InlineData("它几点关门", "营业时间")]
    [InlineData("这家的人均呢", "人均消费")]
    public void Follow_ups_have_a_pronoun_an_attribute_and_no_mention(string text, string attribute)
    {
        var q = Read(text);
        Assert.True(q.Pronoun);
        Assert.Empty(q.Mentions);
        Assert.Equal(attribute, q.Attribute);
        Assert.Null(q.TargetType);
    }
}

/// <summary>CrossWOZ's database files into the graph: rows that are not [name, {fields}] are skipped and counted, broken JSON is an error.</summary>
public class CrossWozImportTests
{
    static TempFolder Database(string restaurants) => new(
        ("attraction_db.json", """[["故宫", {"领域": "景点", "名称": "故宫", "门票": 60, "评分": 4.7, "地铁": "天安门东地铁站B口", "周边餐馆": ["四季民福", "不存在的店"], "周边景点": [], "周边酒店": []}]]"""),
        ("hotel_db.json", "[]"),
        ("restaurant_db.json", restaurants),
        // a row may name the station without an exit (灯市口地铁站 beside 灯市口地铁站A口 in the real data)
        ("metro_db.json", """[["故宫", {"地铁": "天安门东地铁站A口"}], ["王府井", {"地铁": "天安门东地铁站"}]]"""));

    [Fact]
    public void Malformed_rows_are_skipped_and_named_and_the_rest_imported()
    {
        using var dir = Database("""
            [["四季民福", {"人均消费": 95, "评分": 4.8, "推荐菜": ["烤鸭", "宫保虾球"], "周边景点": ["故宫"]}],
             ["缺了字段"],
             [null, {"评分": 4}],
             ["是字符串", "不是对象"],
             42]
            """);
        using var store = new SqliteGraphStore(":memory:");
        var report = CrossWozImporter.Import(dir.Path, store);
        Assert.Equal(["restaurant_db.json:1", "restaurant_db.json:2", "restaurant_db.json:3", "restaurant_db.json:4"], report.Skipped);
        Assert.Contains("4 malformed rows skipped", report.ToString());
        Assert.Equal(1, report.MissingNearby);
        Assert.Equal(new Dictionary<string, int> { ["地铁站"] = 1, ["景点"] = 1, ["餐馆"] = 1 }, store.Types());
        Assert.Equal(["烤鸭", "宫保虾球"], store.Get("餐馆:四季民福")!["推荐菜"]!.Items!);
        Assert.Equal(["A口", "B口"], store.Get("地铁站:天安门东地铁站")!["出口"]!.Items!);
        Assert.Equal(["四季民福"], store.Neighbors("景点:故宫", new Hop("周边", "餐馆")).Select(e => e.Name));
        Assert.Equal("故宫附近的地铁站是天安门东地铁站，从B口出站；该站的出口有：A口、B口。",
            new GraphAnswerer(store, EntityLinker.From(store)).Answer("故宫附近地铁站的出口").Text);
    }

    [Fact]
    public void Broken_json_is_an_error_at_its_file_and_line_and_a_missing_file_names_the_folder()
    {
        using var dir = Database("[\n  [\"四季民福\", {\"评分\": 4.8,,}]\n]");
        using var store = new SqliteGraphStore(":memory:");
        var e = Assert.Throws<KnowledgeFormatException>(() => CrossWozImporter.Import(dir.Path, store));
        Assert.StartsWith(dir.File("restaurant_db.json") + ":2: error: not valid JSON", e.Message);
        Assert.Equal(0, store.EntityCount());
        File.Delete(dir.File("hotel_db.json"));
        Assert.Contains("hotel_db.json: missing", Assert.Throws<FileNotFoundException>(() => CrossWozImporter.Import(dir.Path, store)).Message);
    }
}
