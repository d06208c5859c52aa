using System.Text.Json;
using Kefu.Dialogue;
using Kefu.Dialogue.Actions;
using Kefu.Dialogue.Policies;
using Kefu.Dialogue.Tracking;
using Kefu.Nlu;
using Kefu.Projects;
using static Kefu.Tests.Actions.TestDomain;

namespace Kefu.Tests.Actions;

public class ActionServerTests
{
    private static readonly HttpClient Http = new();

    private static readonly Domain Shop = With(Response("utter_greet", "你好，{name}！"), Response("utter_ask_order_id", "请提供订单号")) with
    {
        Slots = [new SlotDefinition("order_id", SlotType.Text, null, false, [], 0, 1,
            [new FromEntityMapping("order_id", null, null, [], [], [], Here)], Here)],
        Actions = [new ActionDefinition("action_check_order", true, Here)],
    };

    private static ActionServerAction Action(FakeActionServer server, double timeoutSeconds = 5) =>
        new("action_check_order", ActionServerClient.Create(new ActionServerEndpoint(server.Url, TimeSpan.FromSeconds(timeoutSeconds))));

    private static ActionContext Conversation() => Context(Tracker(
        new ActionExecuted(ActionNames.Listen), User("查订单 DD20241108123", "order_status", 0.95f),
        new SlotSet("order_id", Json("\"DD20241108123\""))), Shop);

    [Fact]
    public async Task Success_sends_the_protocol_and_applies_responses_then_events()
    {
        using var server = new FakeActionServer(_ => new FakeReply(200, """
            {"events": [{"event": "slot", "timestamp": null, "name": "order_status", "value": "已发货"},
                        {"event": "followup", "name": "action_listen"}],
             "responses": [{"text": "订单已发货", "buttons": [{"title": "查物流", "payload": "/logistics"}], "custom": {}},
                           {"response": "utter_greet", "name": "小明", "text": null, "buttons": []},
                           {"custom": {"card": "order"}}]}
            """));

        var events = await Action(server).RunAsync(Conversation(), default);

        Assert.Collection(events,
            e => Assert.True(((BotUttered)e).Message is { Text: "订单已发货", Custom: null }),
            e => Assert.Equal(("你好，小明！", "utter_greet"), (((BotUttered)e).Message.Text, ((BotUttered)e).Response)),
            e => Assert.Equal("order", ((BotUttered)e).Message.Custom?.GetProperty("card").GetString()),
            e => Assert.Equal("已发货", ((SlotSet)e).Value?.GetString()),
            e => Assert.Equal("action_listen", ((FollowupAction)e).Name));
        var buttons = ((BotUttered)events[0]).Message.Buttons!;
        Assert.Equal(("查物流", "/logistics"), (buttons.Single().Title, buttons.Single().Payload));

        var request = Assert.Single(server.Requests);
        Assert.Equal("action_check_order", request.GetProperty("next_action").GetString());
        Assert.Equal("c1", request.GetProperty("sender_id").GetString());
        Assert.Equal(ActionServerClient.RasaVersion, request.GetProperty("version").GetString());
        var tracker = request.GetProperty("tracker");
        Assert.Equal("DD20241108123", tracker.GetProperty("slots").GetProperty("order_id").GetString());
        Assert.Equal("order_status", tracker.GetProperty("latest_message").GetProperty("intent").GetProperty("name").GetString());
        Assert.Equal(3, tracker.GetProperty("events").GetArrayLength());
        var domain = request.GetProperty("domain");
        Assert.Equal("from_entity", domain.GetProperty("slots").GetProperty("order_id").GetProperty("mappings")[0].GetProperty("type").GetString());
        Assert.Equal("请提供订单号", domain.GetProperty("responses").GetProperty("utter_ask_order_id")[0].GetProperty("text").GetString());
        Assert.Equal("action_check_order", domain.GetProperty("actions")[0].GetString());
    }

    [Fact]
    public async Task A_response_the_domain_lacks_is_skipped()
    {
        using var server = new FakeActionServer(_ => new FakeReply(200, """{"events": [], "responses": [{"response": "utter_nope"}]}"""));
        Assert.Empty(await Action(server).RunAsync(Conversation(), default));
    }

    [Fact]
    public async Task A_rejection_becomes_ActionExecutionRejected()
    {
        using var server = new FakeActionServer(_ => new FakeReply(400,
            """{"error": "Failed to extract slot order_id with action order_form", "action_name": "action_check_order"}"""));
        var events = await Action(server).RunAsync(Conversation(), default);
        Assert.Equal("action_check_order", Assert.IsType<ActionExecutionRejected>(Assert.Single(events)).Name);
    }

    [Theory]
    [InlineData(500, """{"error": "KeyError: order"}""", "HTTP 500: KeyError: order")]
    [InlineData(404, """{"error": "No registered action found for name 'action_check_order'.", "action_name": "action_check_order"}""", "HTTP 404")]
    [InlineData(400, "not json", "HTTP 400: not json")]
    [InlineData(200, "{\"events\": [", "invalid JSON")]
    [InlineData(200, "[]", "expected an object")]
    [InlineData(200, """{"events": {"event": "slot"}}""", "\"events\" as Object")]
    [InlineData(200, """{"events": [{"event": "slot", "value": 1}]}""", "bad event at events[0]")]
    [InlineData(200, """{"events": [{"event": "teleport"}]}""", "unknown event type \"teleport\"")]
    public async Task Failures_throw_a_clear_ActionServerException(int status, string body, string expected)
    {
        using var server = new FakeActionServer(_ => new FakeReply(status, body));
        var ex = await Assert.ThrowsAsync<ActionServerException>(() => Action(server).RunAsync(Conversation(), default));
        Assert.Contains(expected, ex.Message);
        Assert.Contains("action_check_order", ex.Message);
    }

    [Fact]
    public async Task A_slow_server_times_out_with_an_ActionServerException()
    {
        using var server = new FakeActionServer(_ => new FakeReply(200, """{"events": []}""", TimeSpan.FromSeconds(30)));
        var ex = await Assert.ThrowsAsync<ActionServerException>(() => Action(server, timeoutSeconds: 0.2).RunAsync(Conversation(), default));
        Assert.Contains("did not answer within 0.2 s", ex.Message);
    }

    [Fact]
    public async Task An_unreachable_server_throws_an_ActionServerException()
    {
        Uri url;
        using (var server = new FakeActionServer(_ => new FakeReply(200, "{}"))) url = server.Url;
        var action = new ActionServerAction("action_check_order", new ActionServerClient(Http, new ActionServerEndpoint(url, TimeSpan.FromSeconds(5))));
        var ex = await Assert.ThrowsAsync<ActionServerException>(() => action.RunAsync(Conversation(), default));
        Assert.Contains("could not be reached", ex.Message);
    }

    [Fact]
    public async Task The_callers_cancellation_is_not_reported_as_a_server_failure()
    {
        using var server = new FakeActionServer(_ => new FakeReply(200, """{"events": []}""", TimeSpan.FromSeconds(30)));
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(100));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Action(server).RunAsync(Conversation(), cts.Token));
    }

    [Fact]
    public async Task Reminder_events_are_applied()
    {
        using var server = new FakeActionServer(_ => new FakeReply(200,
            """{"events": [{"event": "reminder", "intent": "x", "date_time": "2026-12-07T18:00:00+08:00", "name": "r"}, {"event": "cancel_reminder", "name": "r"}]}"""));
        var events = await Action(server).RunAsync(Conversation(), default);
        Assert.Equal("r", Assert.IsType<ReminderScheduled>(events[0]).Name);
        Assert.Equal("r", Assert.IsType<ReminderCancelled>(events[1]).Name);
    }

    [Fact]
    public void The_fallback_runs_only_actions_the_domain_declares()
    {
        var client = new ActionServerClient(Http, new ActionServerEndpoint(new Uri("http://127.0.0.1:9/webhook"), TimeSpan.FromSeconds(1)));
        var fallback = ActionServerAction.Fallback(Shop, client);
        Assert.Equal("action_check_order", fallback("action_check_order")?.Name);
        Assert.Null(fallback("action_unknown"));
    }

    [Fact]
    public async Task A_failing_action_server_becomes_a_polite_reply_and_the_conversation_goes_on()
    {
        int calls = 0;
        using var server = new FakeActionServer(_ => Interlocked.Increment(ref calls) == 1
            ? new FakeReply(500, """{"error": "boom"}""")
            : new FakeReply(200, """{"responses": [{"text": "订单已发货"}]}"""));
        var client = new ActionServerClient(Http, new ActionServerEndpoint(server.Url, TimeSpan.FromSeconds(5)));
        var bot = new Bot(Shop, new FixedIntent("order_status"), new PolicyEnsemble([new AfterUser("action_check_order")]));
        var agent = new DialogueAgent(bot, new InMemoryEventStore(),
            new ActionRegistry(Shop, [], ActionServerAction.Fallback(Shop, client)), new AgentOptions { ActionErrorText = "系统繁忙" });

        var first = await agent.HandleMessageAsync("c1", "查订单");
        var second = await agent.HandleMessageAsync("c1", "查订单");

        Assert.Equal("系统繁忙", Assert.Single(first).Text);
        Assert.Equal("订单已发货", Assert.Single(second).Text);
    }

    private sealed class FixedIntent(string intent) : IMessageParser
    {
        public NluParse Parse(string text) => new(text, new IntentPrediction(intent, 1f), [new IntentPrediction(intent, 1f)], []);
    }

    /// <summary>Runs one action after each user message, then listens.</summary>
    private sealed class AfterUser(string action) : IPolicy
    {
        public string Name => "test";
        public int Priority => 1;
        public int History => 1;

        public PolicyPrediction? Predict(PolicyInput input) => Predict(input.Tracker);

        private PolicyPrediction Predict(Tracker tracker) =>
            new(tracker.State.LatestAction == action ? ActionNames.Listen : action, 1f, Name, Priority);
    }
}
