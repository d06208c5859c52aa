using Kefu.Dialogue;
using Kefu.Dialogue.Actions;
using Kefu.Dialogue.Responses;
using Kefu.Generation.Nlg;
using Kefu.Projects;
using Kefu.Tests.Actions;
using Kefu.Tests.Dialogue;
using Kefu.Tests.Projects;

namespace Kefu.Tests.Generation;

/// <summary>endpoints.yml `nlg: {url}`: the bot asks Rasa's NLG server for each response and keeps the template when it fails.</summary>
public class NlgServerCallbackTests
{
    private static DialogueAgent Agent(FakeActionServer server, double timeoutSeconds = 5) => TinyShop.Agent(options: new AgentOptions
    {
        ResponseGenerator = CallbackResponseGenerator.Create(new ActionServerEndpoint(server.Url, TimeSpan.FromSeconds(timeoutSeconds))),
    });

    [Fact]
    public async Task Each_response_is_what_the_nlg_server_writes_from_the_request_rasa_sends()
    {
        using var server = new FakeActionServer(request => new FakeReply(200, request.GetProperty("response").GetString() == "utter_greet"
            ? """{"text": "王先生，下午好！", "buttons": [{"title": "查订单", "payload": "/order"}], "image": null, "custom": {}, "elements": [], "attachments": []}"""
            : """{"text": "订单号是多少呢？"}"""));
        var agent = Agent(server);

        var greeting = Assert.Single(await agent.HandleMessageAsync("c1", "/greet"));
        Assert.Equal(("王先生，下午好！", "utter_greet", null), (greeting.Text, greeting.Response, greeting.Custom));
        Assert.Equal(("查订单", "/order"), (Assert.Single(greeting.Buttons!).Title, greeting.Buttons![0].Payload));
        // a form's question is a response too
        Assert.Equal(["订单号是多少呢？"], (await agent.HandleMessageAsync("c1", "/return_refund")).Select(m => m.Text));

        var request = server.Requests.First();
        Assert.Equal("utter_greet", request.GetProperty("response").GetString());
        Assert.Equal(System.Text.Json.JsonValueKind.Object, request.GetProperty("arguments").ValueKind);
        Assert.Equal("rest", request.GetProperty("channel").GetProperty("name").GetString());
        var tracker = request.GetProperty("tracker");
        Assert.Equal("c1", tracker.GetProperty("sender_id").GetString());
        Assert.Equal("greet", tracker.GetProperty("latest_message").GetProperty("intent").GetProperty("name").GetString());
        Assert.Contains("utter_ask_order_id", server.Requests.Select(r => r.GetProperty("response").GetString()));
        // what is stored is what was sent
        var stored = await agent.GetTrackerAsync("c1");
        Assert.Contains(stored.GetProperty("events").EnumerateArray(), e => e.GetProperty("event").GetString() == "bot" && e.GetProperty("text").GetString() == "王先生，下午好！");
    }

    [Theory]
    [InlineData(500, """{"error": "boom"}""")]
    [InlineData(200, "not json")]
    [InlineData(200, "[1, 2]")]
    [InlineData(200, """{"text": 42}""")]
    [InlineData(200, """{"text": "x", "buttons": {"title": "a"}}""")]
    [InlineData(200, """{"text": null, "custom": {}}""")]
    [InlineData(200, """{"text": "x", "buttons": [1]}""")]
    [InlineData(200, """{"text": "x", "buttons": [{"title": 5, "payload": "/order"}]}""")]
    [InlineData(200, """{"text": "x", "buttons": [{"payload": "/order"}]}""")]
    [InlineData(200, """{"text": "x", "buttons": [{"title": "查订单", "payload": {"intent": "order"}}]}""")]
    public async Task A_failing_or_unreadable_nlg_server_leaves_the_template(int status, string body)
    {
        using var server = new FakeActionServer(_ => new FakeReply(status, body));
        var reply = Assert.Single(await Agent(server).HandleMessageAsync("c1", "/greet"));
        Assert.Equal("您好，我是小客，有什么可以帮您？", reply.Text);
        Assert.Single(server.Requests);
    }

    [Fact]
    public async Task An_answer_longer_than_the_limit_leaves_the_template()
    {
        using var server = new FakeActionServer(_ => new FakeReply(200, $$"""{"text": "{{new string('a', 1024 * 1024)}}"}"""));
        var agent = Agent(server);
        Assert.Equal("您好，我是小客，有什么可以帮您？", Assert.Single(await agent.HandleMessageAsync("c1", "/greet")).Text);
        var stored = await agent.GetTrackerAsync("c1");
        Assert.DoesNotContain(stored.GetProperty("events").EnumerateArray(), e => e.GetProperty("event").GetString() == "bot" && e.GetProperty("text").GetString()!.Length > 1000);
    }

    [Fact]
    public async Task A_slow_or_absent_nlg_server_leaves_the_template_within_its_timeout()
    {
        using var slow = new FakeActionServer(_ => new FakeReply(200, """{"text": "太迟了"}""", TimeSpan.FromSeconds(30)));
        var watch = System.Diagnostics.Stopwatch.StartNew();
        Assert.Equal("您好，我是小客，有什么可以帮您？", Assert.Single(await Agent(slow, timeoutSeconds: 0.5).HandleMessageAsync("c1", "/greet")).Text);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(20), $"{watch.Elapsed}");

        var gone = new FakeActionServer(_ => new FakeReply(200, "{}"));
        var agent = Agent(gone);
        gone.Dispose();
        Assert.Equal("您好，我是小客，有什么可以帮您？", Assert.Single(await agent.HandleMessageAsync("c1", "/greet")).Text);
    }

    [Fact]
    public void Endpoints_nlg_is_a_server_or_a_local_model_never_both()
    {
        using var project = new TempProject("kefu-nlg-", ("endpoints.yml", "nlg:\n  url: http://localhost:5056/nlg\n  timeout: 3\n  token: s3cret\n"));
        var server = LocalNlgConfig.LoadServer(project.Dir);
        Assert.NotNull(server);
        Assert.Equal((TimeSpan.FromSeconds(3), "http://localhost:5056/nlg?token=s3cret"), (server.Timeout, server.RequestUri.ToString()));
        Assert.Null(LocalNlgConfig.Load(project.Dir));

        project.Write("endpoints.yml", "nlg:\n  model: org/reply\n  rewrite_responses: true\n");
        Assert.Null(LocalNlgConfig.LoadServer(project.Dir));
        Assert.True(LocalNlgConfig.Load(project.Dir)!.RewriteResponses);
        Assert.False(LocalNlgConfig.Parse("nlg:\n  model: org/reply\n", "endpoints.yml", "/tmp")!.RewriteResponses);

        foreach (var (yaml, where, says) in new[]
        {
            ("nlg:\n  url: http://a/nlg\n  model: org/reply\n", "endpoints.yml:2:3", "both a model"),
            ("nlg:\n  url: http://a/nlg\n  chat: true\n", "endpoints.yml:3:3", "'chat' is a key of a local model"),
            ("nlg:\n  model: org/reply\n  timeout: 3\n", "endpoints.yml:3:3", "'timeout' is a key of an NLG server"),
            ("nlg:\n  url: ftp://a/nlg\n", "endpoints.yml:2:8", "not an absolute http(s) URL"),
            ("nlg:\n  timeout: 3\n", "endpoints.yml:2:3", "nlg needs a url"),
            ("nlg:\n  url: http://a/nlg\n  headers: {}\n", "endpoints.yml:3:3", "unknown key 'headers'"),
        })
        {
            project.Write("endpoints.yml", yaml);
            var e = Assert.Throws<ProjectException>(() => { LocalNlgConfig.Load(project.Dir); LocalNlgConfig.LoadServer(project.Dir); });
            Assert.Contains(where, e.Diagnostics[0].ToString());
            Assert.Contains(says, e.Diagnostics[0].ToString());
        }
    }
}
