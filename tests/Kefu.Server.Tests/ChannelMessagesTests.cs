using System.Net;
using System.Text.Json;
using Kefu.Dialogue;
using Kefu.Dialogue.Policies;
using Kefu.Dialogue.Tracking;
using Kefu.Nlu;
using Kefu.Projects;
using Kefu.Server.Routes;
using Kefu.Server.Tests.Fakes;

namespace Kefu.Server.Tests;

/// <summary>GET /webhooks/rest/conversations/{sender}/messages: how agent messages and the hand-back reach the customer.</summary>
public class ChannelMessagesTests
{
    private static string MessagesOf(string sender, string? after = null) =>
        $"/webhooks/rest/conversations/{Uri.EscapeDataString(sender)}/messages" + (after is null ? "" : $"?after={Uri.EscapeDataString(after)}");

    [Fact]
    public async Task A_handoff_reaches_the_customer_and_the_cursor_resumes_where_it_left()
    {
        await using var host = await TestHost.StartAsync();
        await host.Client.PostAsync("/webhooks/rest/webhook", Http.Json("""{"sender":"w1","message":"我要投诉"}"""));

        var first = await host.Client.GetAsync(MessagesOf("w1"));
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal("no-store", first.Headers.CacheControl?.ToString());
        var firstBody = await first.ReadJsonAsync();
        var reply = Assert.Single(firstBody.GetProperty("messages").EnumerateArray());
        Assert.Equal("bot", reply.GetProperty("sender").GetString());
        Assert.Equal("echo: 我要投诉", reply.GetProperty("text").GetString());
        Assert.Equal("w1", reply.GetProperty("recipient_id").GetString());
        Assert.True(reply.GetProperty("delivered_in_reply").GetBoolean());
        Assert.False(reply.TryGetProperty("agent", out _));
        var next = firstBody.GetProperty("next").GetInt32();
        Assert.Equal(2, next);

        await host.Client.PostAsync("/conversations/w1/messages", Http.Json("""{"sender":"agent","agent":"小王","text":"您好，我是小王"}"""));
        var whilePaused = await (await host.Client.PostAsync("/webhooks/rest/webhook", Http.Json("""{"sender":"w1","message":"在吗"}"""))).ReadJsonAsync();
        Assert.Empty(whilePaused.EnumerateArray());
        await host.Client.PostAsync("/conversations/w1/handback", null);

        var second = await (await host.Client.GetAsync(MessagesOf("w1", next.ToString()))).ReadJsonAsync();
        var messages = second.GetProperty("messages").EnumerateArray().ToList();
        Assert.Equal(["agent", "bot"], messages.Select(m => m.GetProperty("sender").GetString()));
        Assert.Equal("小王", messages[0].GetProperty("agent").GetString());
        Assert.Equal("您好，我是小王", messages[0].GetProperty("text").GetString());
        Assert.Equal(EchoChatService.HandBackText, messages[1].GetProperty("text").GetString());
        Assert.All(messages, m => Assert.False(m.GetProperty("delivered_in_reply").GetBoolean()));
        Assert.All(messages, m => Assert.True(m.GetProperty("index").GetInt32() >= next));

        var end = second.GetProperty("next").GetInt32();
        Assert.Equal((await host.Store.LoadAsync("w1")).Count, end);
        var nothingNew = await (await host.Client.GetAsync(MessagesOf("w1", end.ToString()))).ReadJsonAsync();
        Assert.Empty(nothingNew.GetProperty("messages").EnumerateArray());
        Assert.Equal(end, nothingNew.GetProperty("next").GetInt32());
    }

    [Fact]
    public async Task Buttons_of_a_bot_message_come_in_rasa_shape()
    {
        await using var host = await TestHost.StartAsync();
        await host.Client.PostAsync("/webhooks/rest/webhook", Http.Json("""{"sender":"w2","message":"/buttons"}"""));

        var body = await (await host.Client.GetAsync(MessagesOf("w2"))).ReadJsonAsync();

        var buttons = body.GetProperty("messages")[0].GetProperty("buttons").EnumerateArray()
            .Select(b => (b.GetProperty("title").GetString(), b.GetProperty("payload").GetString()));
        Assert.Equal([("查订单", "/order_status"), ("退货", "/return")], buttons);
    }

    [Fact]
    public async Task An_unknown_sender_gets_an_empty_answer_and_nothing_is_stored()
    {
        await using var host = await TestHost.StartAsync();

        var response = await host.Client.GetAsync(MessagesOf("nobody-yet"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await response.ReadJsonAsync();
        Assert.Empty(body.GetProperty("messages").EnumerateArray());
        Assert.Equal(0, body.GetProperty("next").GetInt32());
        Assert.Empty(await host.Store.LoadAsync("nobody-yet"));
    }

    [Theory]
    [InlineData("-1")]
    [InlineData("abc")]
    [InlineData("1.5")]
    [InlineData("")]
    [InlineData("99999999999")]
    public async Task A_bad_cursor_is_a_problem_that_names_it(string after)
    {
        await using var host = await TestHost.StartAsync();

        var response = await host.Client.GetAsync(MessagesOf("w3", after));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var detail = (await response.ReadProblemAsync()).GetProperty("detail").GetString();
        Assert.StartsWith($"after is \"{after}\"", detail);
    }

    [Theory]
    [InlineData("%01x", "sender contains a control character at position 0")]
    [InlineData("%20", "sender is required and must not be empty")]
    public async Task A_bad_sender_is_a_problem_that_names_it(string escapedSender, string expected)
    {
        await using var host = await TestHost.StartAsync();

        var response = await host.Client.GetAsync($"/webhooks/rest/conversations/{escapedSender}/messages");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(expected, (await response.ReadProblemAsync()).GetProperty("detail").GetString());
    }

    [Fact]
    public async Task A_sender_over_the_length_limit_is_refused()
    {
        await using var host = await TestHost.StartAsync();

        var response = await host.Client.GetAsync(MessagesOf(new string('x', 257)));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("the limit is 256", (await response.ReadProblemAsync()).GetProperty("detail").GetString());
    }

    [Fact]
    public async Task A_conversation_the_web_chat_did_not_start_needs_the_token_when_there_is_one_and_waits_for_the_model()
    {
        await using (var host = await TestHost.StartAsync(token: "s3cret"))
        {
            var anonymous = await host.Client.GetAsync(MessagesOf("w4"));
            Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
            Assert.Equal("Bearer", anonymous.Headers.WwwAuthenticate.Single().Scheme);
            await anonymous.ReadProblemAsync();
            Assert.Equal(HttpStatusCode.OK, (await host.AuthorizedClient("s3cret").GetAsync(MessagesOf("w4"))).StatusCode);
        }

        await using var notReady = await TestHost.StartAsync(ready: false);
        var response = await notReady.Client.GetAsync(MessagesOf("w4"));
        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        await response.ReadProblemAsync();
    }

    /// <summary>The real engine's events: session start, actions, pause, resume; only what no reply carried is marked so.</summary>
    [Fact]
    public async Task With_the_dialogue_engine_replies_are_told_apart_from_agent_messages_and_the_hand_back()
    {
        var project = Directory.CreateTempSubdirectory("kefu-channel-");
        try
        {
            File.WriteAllText(Path.Combine(project.FullName, "domain.yml"), """
                version: "3.1"
                intents: [greet]
                responses:
                  utter_greet:
                  - text: 您好！
                  utter_handback:
                  - text: 机器人客服回来了
                    buttons:
                    - title: 查订单
                      payload: /order_status
                """);
            var domain = RasaProject.Load(project.FullName).Domain;
            var store = new InMemoryEventStore();
            var agent = new DialogueAgent(new Bot(domain, new GreetParser(), new PolicyEnsemble([new GreetAfterUser()])),
                store, BotFactory.CreateActions(domain, []));

            Assert.Equal("您好！", Assert.Single(await agent.HandleMessageAsync("c1", "你好")).Text);
            await agent.AgentMessageAsync("c1", "小王", "我是小王");
            // what the server says on its own while the conversation waits (the queue notice): after the turn, not in its reply
            await agent.SayAsync("c1", "utter_greet", new Dictionary<string, string>(), "您好！");
            Assert.Empty(await agent.HandleMessageAsync("c1", "在吗"));
            await agent.HandBackAsync("c1");
            Assert.Equal("您好！", Assert.Single(await agent.HandleMessageAsync("c1", "你好")).Text);

            var tracker = await agent.GetTrackerAsync("c1");
            var all = await ChannelMessagesRoutes.ReadAsync(store, "c1", 0, 100, default);

            Assert.Equal(["bot", "agent", "bot", "bot", "bot"], all.Messages.Select(m => m.Sender));
            Assert.Equal(["您好！", "我是小王", "您好！", "机器人客服回来了", "您好！"], all.Messages.Select(m => m.Text));
            Assert.Equal([true, false, false, false, true], all.Messages.Select(m => m.DeliveredInReply));
            Assert.Equal("/order_status", all.Messages[3].Buttons![0].Payload);
            Assert.Equal(tracker.GetProperty("events").GetArrayLength(), all.Next);

            var fromAgent = await ChannelMessagesRoutes.ReadAsync(store, "c1", all.Messages[1].Index, 100, default);
            Assert.Equal(["我是小王", "您好！", "机器人客服回来了", "您好！"], fromAgent.Messages.Select(m => m.Text));
            Assert.False(fromAgent.Messages[1].DeliveredInReply);
        }
        finally
        {
            project.Delete(recursive: true);
        }
    }

    private sealed class GreetParser : IMessageParser
    {
        public NluParse Parse(string text) => new(text, new IntentPrediction("greet", 1f), [new IntentPrediction("greet", 1f)], []);
    }

    /// <summary>utter_greet after each user message, then listen.</summary>
    private sealed class GreetAfterUser : IPolicy
    {
        public string Name => "greet_after_user";
        public int Priority => 6;
        public int History => 1;

        public PolicyPrediction? Predict(PolicyInput input) =>
            input.Tracker.Events.LastOrDefault(e => e is UserUttered or ActionExecuted) is UserUttered
                ? new PolicyPrediction("utter_greet", 1f, Name, Priority)
                : new PolicyPrediction("action_listen", 1f, Name, Priority);
    }
}
