using Kefu.Dialogue;
using Kefu.Nlu;

namespace Kefu.Tests.Dialogue;

/// <summary>DialogueAgent.RecordUserMessageAsync: Rasa's log_message, a user message logged without a turn.</summary>
public class RecordUserMessageTests
{
    [Fact]
    public async Task A_recorded_message_is_stored_alone_and_the_next_message_takes_its_turn()
    {
        var store = new InMemoryEventStore();
        var agent = TinyShop.Agent(store);

        await agent.RecordUserMessageAsync("c-rec", "/greet");

        Assert.Equal(["action", "session_started", "action", "user"], (await store.LoadAsync("c-rec")).Select(e => e.Type));
        // A restarted server (a new agent over the same store) continues after the recorded message.
        new Chat(TinyShop.Agent(store), "c-rec").Send("/goodbye").Expect("再见");
        var types = (await store.LoadAsync("c-rec")).Select(e => e.Type).ToList();
        // The turn's "slot" is TinyShop's custom vip mapping, run for the handled message only.
        Assert.Equal(["action", "session_started", "action", "user", "user", "slot", "action", "bot", "action"], types);
    }

    [Fact]
    public async Task Like_rasa_a_recorded_message_fills_no_slot_and_starts_no_form()
    {
        var agent = TinyShop.Agent();

        await agent.RecordUserMessageAsync("vip-rec", """/return_refund{"order_id": "DD20240101123"}""");

        var tracker = await agent.GetTrackerAsync("vip-rec");
        Assert.Equal("return_refund", tracker.GetProperty("latest_message").GetProperty("intent").GetProperty("name").GetString());
        Assert.Equal("DD20240101123", tracker.GetProperty("latest_message").GetProperty("entities")[0].GetProperty("value").GetString());
        Assert.Equal(System.Text.Json.JsonValueKind.Null, tracker.GetProperty("slots").GetProperty("order_id").ValueKind);
        Assert.Equal(System.Text.Json.JsonValueKind.Null, tracker.GetProperty("slots").GetProperty("vip").ValueKind);
        Assert.False(tracker.GetProperty("active_loop").TryGetProperty("name", out _));
        new Chat(agent, "vip-rec").Send("/greet").Expect("您好");
    }

    [Fact]
    public async Task A_given_parse_is_logged_instead_of_the_nlu_s()
    {
        var agent = TinyShop.Agent();
        var goodbye = new IntentPrediction("goodbye", 0.6f);

        await agent.RecordUserMessageAsync("c-parse", "随便说点什么", new NluParse("随便说点什么", goodbye, [goodbye], []));

        var latest = (await agent.GetTrackerAsync("c-parse")).GetProperty("latest_message");
        Assert.Equal("goodbye", latest.GetProperty("intent").GetProperty("name").GetString());
        Assert.Equal(0.6, latest.GetProperty("intent").GetProperty("confidence").GetDouble(), 3);
    }

    [Fact]
    public async Task During_a_handoff_the_message_is_logged_and_the_bot_stays_paused()
    {
        var agent = TinyShop.Agent();
        var chat = new Chat(agent, "c-paused");
        chat.Send("/request_human").Expect("人工");

        await agent.RecordUserMessageAsync("c-paused", "/greet");

        var tracker = await agent.GetTrackerAsync("c-paused");
        Assert.True(tracker.GetProperty("paused").GetBoolean());
        Assert.Equal("user", tracker.GetProperty("events").EnumerateArray().Last().GetProperty("event").GetString());
        await agent.HandBackAsync("c-paused");
        chat.Send("/greet").Expect("您好");
    }

    [Fact]
    public async Task Recorded_and_handled_messages_of_one_conversation_never_interleave()
    {
        var store = new InMemoryEventStore();
        var agent = TinyShop.Agent(store);
        var calls = Enumerable.Range(0, 40).Select(i => i % 2 == 0
            ? agent.RecordUserMessageAsync("c-mix", "/goodbye")
            : agent.HandleMessageAsync("c-mix", "/greet"));
        await Task.WhenAll(calls);

        var events = (await store.LoadAsync("c-mix")).Select(e => e.Type).Where(t => t != "slot").ToList();
        // After each user event: nothing (recorded) or its own turn (action, reply, listen), never a mix.
        var afterEachUser = string.Join(" ", events).Split("user").Skip(1).Select(t => t.Trim()).ToList();
        Assert.Equal(40, afterEachUser.Count);
        Assert.Equal(20, afterEachUser.Count(t => t == "action bot action"));
        Assert.Equal(20, afterEachUser.Count(t => t == ""));
    }
}
