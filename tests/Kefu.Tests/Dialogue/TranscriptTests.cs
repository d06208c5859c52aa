using Kefu.Dialogue;

namespace Kefu.Tests.Dialogue;

public class TranscriptTests
{
    [Fact]
    public void Greets_and_says_goodbye()
    {
        new Chat(TinyShop.Agent())
            .Send("/greet").Expect("您好")
            .Send("/goodbye").Expect("再见");
    }

    [Fact]
    public void Return_form_asks_for_each_slot_then_submits()
    {
        new Chat(TinyShop.Agent())
            .Send("/return_refund").Expect("订单号")
            .Send("""/inform_order_id{"order_id": "DD20240101123"}""").Expect("退货原因")
            .Send("""/inform_reason{"reason": "尺码不合适"}""").Expect("退货已提交：DD20240101123，原因：尺码不合适");
    }

    [Fact]
    public void An_action_ask_action_asks_for_its_slot_before_the_response_does()
    {
        var ask = new Kefu.Dialogue.Actions.DelegateAction("action_ask_reason", c =>
            [new Kefu.Dialogue.Tracking.BotUttered(new BotMessage($"订单{c.Tracker.State.SlotText("order_id")}为什么要退呢？"))]);
        new Chat(TinyShop.Agent(null, null, ask))
            .Send("/return_refund").Expect("订单号")
            .Send("""/inform_order_id{"order_id": "DD20240101123"}""").Expect("订单DD20240101123为什么要退呢？");
    }

    [Fact]
    public void A_slot_given_with_the_request_is_not_asked_again()
    {
        new Chat(TinyShop.Agent())
            .Send("""/return_refund{"order_id": "DD20240101123"}""").Expect("退货原因");
    }

    [Fact]
    public void A_question_inside_the_form_is_answered_and_the_form_resumes()
    {
        new Chat(TinyShop.Agent())
            .Send("/return_refund").Expect("订单号")
            .Send("/delivery_time").Expect("48 小时", "订单号")
            .Send("""/inform_order_id{"order_id": "DD20240101123"}""").Expect("退货原因");
    }

    [Fact]
    public void A_form_that_rejects_the_message_is_not_run_again_in_the_same_turn()
    {
        // The form cannot use a second "return" request, and its rule would start it again and again (Rasa's
        // ensemble drops the rejected action), so the turn ends in the fallback and the form keeps waiting.
        new Chat(TinyShop.Agent())
            .Send("/return_refund").Expect("订单号")
            .Send("/return_refund").Expect("没听懂")
            .Send("""/inform_order_id{"order_id": "DD20240101123"}""").Expect("退货原因");
    }

    [Fact]
    public void Stop_leaves_the_form()
    {
        new Chat(TinyShop.Agent())
            .Send("/return_refund").Expect("订单号")
            .Send("/stop").Expect("取消")
            .Send("/greet").Expect("您好");
    }

    [Fact]
    public void Unknown_message_gets_the_default_fallback_once()
    {
        // The fallback takes the message back, which leaves the conversation waiting for the user: nothing more to say.
        var chat = new Chat(TinyShop.Agent()).Send("随便说点什么").Expect("没听懂");
        Assert.Single(chat.Replies);
        chat.Send("/greet").Expect("您好");
        Assert.Single(chat.Replies);
    }

    [Fact]
    public void A_form_left_for_a_story_waits_when_the_story_waits()
    {
        // No rule answers a greeting here; the story does, then waits for the user, where a form resuming on its own
        // (at rule priority) would ask for the order number at once.
        var project = TinyShop.WriteAndLoad(TinyShop.Rules.Replace("- intent: greet", "- intent: goodbye").Replace("- action: utter_greet", "- action: utter_goodbye"), """
            version: "3.1"
            stories:
              - story: a greeting inside the return form, then stop
                steps:
                  - intent: return_refund
                  - action: return_form
                  - active_loop: return_form
                  - intent: greet
                  - action: utter_greet
                  - intent: stop
                  - action: action_deactivate_loop
                  - active_loop: null
            """);
        var chat = new Chat(TinyShop.Agent(project)).Send("/return_refund").Expect("订单号").Send("/greet").Expect("您好");
        Assert.Single(chat.Replies);
    }

    [Fact]
    public void Failing_custom_action_becomes_a_polite_reply()
    {
        new Chat(TinyShop.Agent())
            .Send("/boom").Expect("抱歉")
            .Send("/greet").Expect("您好");
    }

    [Fact]
    public async Task Handoff_pauses_the_bot_until_the_agent_hands_back()
    {
        var agent = TinyShop.Agent();
        var chat = new Chat(agent, "c-handoff");
        chat.Send("/request_human").Expect("人工");
        chat.Send("/greet").ExpectSilence();

        await agent.AgentMessageAsync("c-handoff", "小王", "您好，我是人工客服小王");
        await agent.HandBackAsync("c-handoff");
        chat.Send("/greet").Expect("您好");

        var tracker = await agent.GetTrackerAsync("c-handoff");
        var events = tracker.GetProperty("events").EnumerateArray().Select(e => e.GetProperty("event").GetString()).ToList();
        Assert.Contains("pause", events);
        var pause = tracker.GetProperty("events").EnumerateArray().First(e => e.GetProperty("event").GetString() == "pause");
        Assert.Equal("request_human", pause.GetProperty("reason").GetString());
        Assert.Contains("agent", events);
        Assert.Contains("resume", events);
    }

    [Fact]
    public async Task Like_rasa_a_handed_off_conversation_still_takes_restart_and_the_bot_answers_again()
    {
        var agent = TinyShop.Agent();
        var chat = new Chat(agent, "c-handoff-restart");
        chat.Send("/request_human").Expect("人工");
        chat.Send("/greet").ExpectSilence();

        chat.Send("/restart");

        var tracker = await agent.GetTrackerAsync("c-handoff-restart");
        Assert.False(tracker.GetProperty("paused").GetBoolean());
        Assert.Contains("restart", tracker.GetProperty("events").EnumerateArray().Select(e => e.GetProperty("event").GetString()));
        chat.Send("/greet").Expect("您好");
    }

    [Fact]
    public async Task Restart_and_replay_from_the_store_continue_the_conversation()
    {
        var store = new InMemoryEventStore();
        new Chat(TinyShop.Agent(store), "c-restart").Send("/return_refund").Expect("订单号");

        // A new agent (a restarted server) over the same store picks the form up where it was.
        new Chat(TinyShop.Agent(store), "c-restart")
            .Send("""/inform_order_id{"order_id": "DD20240101123"}""").Expect("退货原因");

        var tracker = await TinyShop.Agent(store).GetTrackerAsync("c-restart");
        Assert.Equal("return_form", tracker.GetProperty("active_loop").GetProperty("name").GetString());
        Assert.Equal("DD20240101123", tracker.GetProperty("slots").GetProperty("order_id").GetString());
    }

    [Fact]
    public async Task A_long_conversation_kept_in_memory_by_its_last_turns_still_has_all_its_events()
    {
        var store = new InMemoryEventStore();
        var agent = TinyShop.Agent(store);
        var chat = new Chat(agent, "c-long");
        for (int i = 0; i < 40; i++) chat.Send("/greet").Expect("您好");
        chat.Send("/return_refund").Expect("订单号")
            .Send("""/inform_order_id{"order_id": "DD20240101123"}""").Expect("退货原因")
            .Send("""/inform_reason{"reason": "质量问题"}""").Expect("退货已提交：DD20240101123");

        var tracker = await agent.GetTrackerAsync("c-long");
        var stored = await store.LoadAsync("c-long");
        Assert.Equal(stored.Count, tracker.GetProperty("events").GetArrayLength());
        Assert.Equal(43, tracker.GetProperty("events").EnumerateArray().Count(e => e.GetProperty("event").GetString() == "user"));
    }

    [Fact]
    public async Task Parallel_messages_to_one_conversation_are_handled_in_order()
    {
        var store = new InMemoryEventStore();
        var agent = TinyShop.Agent(store);
        var sends = Enumerable.Range(0, 40).Select(i => agent.HandleMessageAsync("c-par", i % 2 == 0 ? "/greet" : "/goodbye"));
        await Task.WhenAll(sends);

        var events = (await store.LoadAsync("c-par")).Select(e => e.Type).Where(t => t != "slot").ToList();
        // Each user turn is followed by its own bot action, reply and listen, never interleaved with another turn.
        var turns = string.Join(" ", events).Split("user").Skip(1).Select(t => t.Trim()).ToList();
        Assert.Equal(40, turns.Count);
        Assert.All(turns, t => Assert.Equal("action bot action", t));
    }

    [Fact]
    public async Task A_custom_slot_mapping_runs_its_action_after_each_message()
    {
        var agent = TinyShop.Agent();
        await agent.HandleMessageAsync("vip-42", "/greet");
        var tracker = await agent.GetTrackerAsync("vip-42");
        Assert.True(tracker.GetProperty("slots").GetProperty("vip").GetBoolean());
    }

    [Fact]
    public async Task Conversations_dropped_from_a_full_cache_are_replayed_from_the_store()
    {
        var store = new CountingStore();
        var agent = TinyShop.Agent(store, new AgentOptions { MaxCachedConversations = 2 });
        await agent.HandleMessageAsync("a", "/return_refund");
        await agent.HandleMessageAsync("a", "/delivery_time");
        Assert.Equal(1, store.Loads("a"));                // cached after the first load
        await agent.HandleMessageAsync("b", "/greet");
        await agent.HandleMessageAsync("c", "/greet");   // the cache starts over here

        new Chat(agent, "a").Send("""/inform_order_id{"order_id": "DD20240101123"}""").Expect("退货原因");
        Assert.Equal(2, store.Loads("a"));
    }

    private sealed class CountingStore : IEventStore
    {
        private readonly InMemoryEventStore inner = new();
        private readonly System.Collections.Concurrent.ConcurrentDictionary<string, int> loads = new();

        public int Loads(string id) => loads.GetValueOrDefault(id);

        public Task<IReadOnlyList<StoredEvent>> LoadAsync(string conversationId, CancellationToken ct = default)
        {
            loads.AddOrUpdate(conversationId, 1, (_, n) => n + 1);
            return inner.LoadAsync(conversationId, ct);
        }

        public Task AppendAsync(string conversationId, IReadOnlyList<StoredEvent> events, CancellationToken ct = default) =>
            inner.AppendAsync(conversationId, events, ct);

        public Task<IReadOnlyList<string>> ListConversationsAsync(CancellationToken ct = default) => inner.ListConversationsAsync(ct);
    }
}
