using System.Net;
using Kefu.Knowledge;
using Kefu.Knowledge.Graph;
using Microsoft.Extensions.DependencyInjection;

namespace Kefu.Server.Tests;

/// <summary>/kb/search, /kb/entities and /kb/ask over a two-entry FAQ and a three-entity graph; bad input is ProblemDetails.</summary>
public class KnowledgeRoutesTests
{
    static KnowledgeService Knowledge()
    {
        var kb = new KnowledgeBase();
        kb.AddPassages("faq.yml", [
            new Passage("faq.yml#refund", "faq.yml", 2, "退款多久到账", "1-7个工作日到账。", ["退款多久到账"]),
            new Passage("faq.yml#invoice", "faq.yml", 5, "能开发票吗", "可以申请电子发票。", ["能开发票吗"]),
        ]);
        var graph = new SqliteGraphStore(":memory:");
        GraphEntity E(string type, string name, params (string, AttributeValue)[] a) => new(GraphEntity.MakeId(type, name), type, name, a.ToDictionary(x => x.Item1, x => x.Item2));
        graph.Upsert([
            E("景点", "故宫", ("门票", AttributeValue.Of(60)), ("电话", AttributeValue.Of("010-85007938"))),
            E("餐馆", "四季民福", ("人均消费", AttributeValue.Of(95)), ("评分", AttributeValue.Of(4.8))),
            E("餐馆", "全聚德", ("人均消费", AttributeValue.Of(180)), ("评分", AttributeValue.Of(4.6))),
        ], [new GraphRelation("景点:故宫", "周边", "餐馆:四季民福")]);
        return new KnowledgeService(new KnowledgeConfig { Root = "." }, kb, graph, []);
    }

    static async Task<TestHost> Host(KnowledgeService? knowledge, bool loaded = true)
    {
        var host = await TestHost.StartAsync();
        if (loaded) host.Services.GetRequiredService<LoadedLater<Kefu.Knowledge.KnowledgeService>>().Set(knowledge);
        return host;
    }

    [Fact]
    public async Task Search_lists_passages_best_first_with_their_confidence()
    {
        using var knowledge = Knowledge();
        await using var host = await Host(knowledge);
        var body = await (await host.Client.GetAsync("/kb/search?q=" + Uri.EscapeDataString("退款几天到账") + "&k=2")).ReadJsonAsync();
        var first = body.GetProperty("passages")[0];
        Assert.Equal("faq.yml#refund", first.GetProperty("id").GetString());
        Assert.InRange(first.GetProperty("confidence").GetSingle(), 0.3f, 1f);
    }

    [Theory]
    [InlineData("/kb/search", HttpStatusCode.BadRequest, "q")]
    [InlineData("/kb/search?q=%20%20", HttpStatusCode.BadRequest, "q")]
    [InlineData("/kb/search?q=hi&k=0", HttpStatusCode.BadRequest, "k must be a whole number from 1 to 50, got '0'")]
    [InlineData("/kb/search?q=hi&k=abc", HttpStatusCode.BadRequest, "k must be a whole number from 1 to 50, got 'abc'")]
    [InlineData("/kb/entities", HttpStatusCode.BadRequest, "give name=NAME or q=QUERY")]
    [InlineData("/kb/entities?q=%E9%A3%9E%E6%9C%BA%20%E8%AF%84%E5%88%86%3E%3D4", HttpStatusCode.BadRequest, "unknown entity type '飞机'; known types: 景点, 餐馆")]
    [InlineData("/kb/entities?q=%E9%A4%90%E9%A6%86%20%E5%A5%BD%E5%90%83", HttpStatusCode.BadRequest, "is not a condition")]
    [InlineData("/kb/entities?q=%E9%A4%90%E9%A6%86%20%E8%BE%A3%E5%BA%A6%3E%3D3", HttpStatusCode.BadRequest, "'餐馆' has no attribute '辣度'")]
    [InlineData("/kb/entities?name=x&limit=500", HttpStatusCode.BadRequest, "limit must be a whole number from 1 to 50, got '500'")]
    [InlineData("/kb/entities?q=x&limit=1.5", HttpStatusCode.BadRequest, "limit must be a whole number from 1 to 50, got '1.5'")]
    [InlineData("/kb/entities/%E6%99%AF%E7%82%B9%3A%E9%95%BF%E5%9F%8E", HttpStatusCode.NotFound, "no entity '景点:长城'")]
    public async Task Bad_requests_are_problem_details_that_say_what_is_wrong(string url, HttpStatusCode status, string detail)
    {
        using var knowledge = Knowledge();
        await using var host = await Host(knowledge);
        var response = await host.Client.GetAsync(url);
        Assert.Equal(status, response.StatusCode);
        Assert.Contains(detail, (await response.ReadProblemAsync()).GetProperty("detail").GetString());
    }

    [Fact]
    public async Task Entities_answer_by_id_name_and_query()
    {
        using var knowledge = Knowledge();
        await using var host = await Host(knowledge);
        var one = await (await host.Client.GetAsync("/kb/entities/" + Uri.EscapeDataString("景点:故宫"))).ReadJsonAsync();
        Assert.Equal(60, one.GetProperty("attributes").GetProperty("门票").GetDouble());
        var named = await (await host.Client.GetAsync("/kb/entities?name=" + Uri.EscapeDataString("全聚德"))).ReadJsonAsync();
        Assert.Equal("餐馆:全聚德", Assert.Single(named.GetProperty("entities").EnumerateArray()).GetProperty("id").GetString());
        var query = await (await host.Client.GetAsync("/kb/entities?q=" + Uri.EscapeDataString("餐馆 人均消费<=100 from:景点:故宫 via:周边"))).ReadJsonAsync();
        Assert.Equal(["四季民福"], query.GetProperty("entities").EnumerateArray().Select(e => e.GetProperty("name").GetString()));
    }

    [Fact]
    public async Task Ask_answers_follow_ups_from_the_subject_it_is_given_and_rejects_bad_bodies()
    {
        using var knowledge = Knowledge();
        await using var host = await Host(knowledge);
        var first = await (await host.Client.PostAsync("/kb/ask", Http.Json("""{"text":"故宫的门票多少钱"}"""))).ReadJsonAsync();
        Assert.Equal("故宫的门票是60元。", first.GetProperty("text").GetString());
        Assert.Equal("景点:故宫", first.GetProperty("subject").GetString());
        var follow = await (await host.Client.PostAsync("/kb/ask", Http.Json("""{"text":"那它的电话呢","subject":"景点:故宫"}"""))).ReadJsonAsync();
        Assert.Equal("故宫的电话是010-85007938。", follow.GetProperty("text").GetString());

        foreach (var bad in new[] { """{"text":""}""", """{"text":""", """{"txt":"故宫"}""", "[1,2]" })
        {
            var response = await host.Client.PostAsync("/kb/ask", Http.Json(bad));
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            await response.ReadProblemAsync();
        }
    }

    [Fact]
    public async Task Without_a_knowledge_yml_the_routes_are_404_and_before_loading_503()
    {
        await using (var none = await Host(null))
        {
            var response = await none.Client.GetAsync("/kb/search?q=hi");
            Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
            Assert.Contains("no knowledge.yml", (await response.ReadProblemAsync()).GetProperty("detail").GetString());
        }
        var kbOnly = new KnowledgeService(new KnowledgeConfig { Root = "." }, new KnowledgeBase(), null, []);
        await using (var noGraph = await Host(kbOnly))
        {
            var response = await noGraph.Client.GetAsync("/kb/entities?name=x");
            Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
            Assert.Contains("has no graph", (await response.ReadProblemAsync()).GetProperty("detail").GetString());
        }
        await using var loading = await Host(null, loaded: false);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await loading.Client.GetAsync("/kb/search?q=hi")).StatusCode);
    }
}
