using System.Collections.Immutable;
using System.Text.Json;
using Kefu.Dialogue;
using Kefu.Dialogue.Tracking;
using Kefu.Nlu;

namespace Kefu.Tests.Dialogue;

public class TrackerTests
{
    private static readonly ImmutableDictionary<string, JsonElement?> Initial =
        ImmutableDictionary<string, JsonElement?>.Empty.Add("order_id", null);

    private static JsonElement Json(string raw) => JsonDocument.Parse(raw).RootElement.Clone();

    private static UserUttered User(string text, string intent) =>
        new(text, new NluParse(text, new IntentPrediction(intent, 0.9f), [new IntentPrediction(intent, 0.9f)], []));

    [Fact]
    public void State_is_the_fold_of_the_events()
    {
        var t = Tracker.Create("c1", Initial)
            .Append(new ActionExecuted("action_listen"))
            .Append(User("我要退货", "return_refund"))
            .Append(new ActiveLoopSet("return_form"))
            .Append(new SlotSet("order_id", Json("\"DD20240101123\"")));

        Assert.Equal("return_form", t.State.ActiveLoop);
        Assert.Equal("DD20240101123", t.State.SlotText("order_id"));
        Assert.Equal("return_refund", t.State.LatestMessage?.Parse?.Intent.Name);
    }

    [Fact]
    public void Supposing_events_changes_nothing_and_leaves_the_conversation_appending_in_place()
    {
        var t = Tracker.Create("c1", Initial).Append(new ActionExecuted("action_listen")).Append(User("我要退货", "return_refund"));
        var supposed = t.Suppose([new ActiveLoopSet("return_form"), new SlotSet("order_id", Json("\"DD1\""))]);
        var next = t.Append(new ActionExecuted("return_form"));

        Assert.Equal("return_form", supposed.State.ActiveLoop);
        Assert.Equal("DD1", supposed.State.SlotText("order_id"));
        Assert.Null(t.State.ActiveLoop);
        Assert.Equal(2, t.Events.Count);
        Assert.Equal(["action_listen", "我要退货", "return_form"], next.Events.Select(e => e switch
        {
            ActionExecuted a => a.Name,
            UserUttered u => u.Text,
            _ => e.GetType().Name,
        }));
        Assert.True(next.Events.SharesChunksWith(t.Events));
        Assert.Equal(4, supposed.Events.Count);
    }

    [Fact]
    public void Setting_a_slot_to_the_value_it_has_keeps_the_state()
    {
        var value = Json("\"order_id\"");
        var t = Tracker.Create("c1", Initial).Append(new SlotSet(TrackerState.RequestedSlot, value));
        Assert.Same(t.State, t.State.Apply(new SlotSet(TrackerState.RequestedSlot, value), Initial));
        Assert.NotSame(t.State, t.State.Apply(new SlotSet(TrackerState.RequestedSlot, Json("\"reason\"")), Initial));
    }

    [Fact]
    public void Rewind_removes_the_last_user_turn_and_the_listen_before_it()
    {
        var t = Tracker.Create("c1", Initial)
            .Append(new ActionExecuted("action_listen"))
            .Append(User("你好", "greet"))
            .Append(new ActionExecuted("utter_greet"))
            .Append(new ActionExecuted("action_listen"))
            .Append(User("查订单", "order_status"))
            .Append(new SlotSet("order_id", Json("\"DD1\"")))
            .Append(new UserUtteranceReverted());

        Assert.Equal(["action", "user", "action"],
            t.AppliedEvents().Select(RasaEventJson.TypeName));
        Assert.Equal("greet", t.State.LatestMessage?.Parse?.Intent.Name);
        Assert.Null(t.State.SlotText("order_id"));
        Assert.Equal("utter_greet", t.State.LatestAction);
    }

    [Fact]
    public void Restart_forgets_slots_and_loop()
    {
        var t = Tracker.Create("c1", Initial)
            .Append(new SlotSet("order_id", Json("\"DD1\"")))
            .Append(new ActiveLoopSet("return_form"))
            .Append(new Restarted());
        Assert.Null(t.State.ActiveLoop);
        Assert.Null(t.State.SlotText("order_id"));
    }

    [Fact]
    public void Replaying_stored_events_rebuilds_the_same_state()
    {
        var t = Tracker.Create("c1", Initial)
            .Append(new ActionExecuted("action_listen"))
            .Append(User("我的订单号是DD20240101123", "inform_order_id"))
            .Append(new SlotSet("order_id", Json("\"DD20240101123\"")))
            .Append(new BotUttered(new BotMessage("好的", Buttons: [new BotButton("是", "/affirm")]), "utter_ok"))
            .Append(new ConversationPaused("handoff"))
            .Append(new AgentUttered("小王", "您好，我是人工客服"));

        var stored = t.Events.Select(RasaEventJson.ToStored).ToList();
        var replayed = Tracker.Create("c1", Initial, stored.Select(RasaEventJson.FromStored));

        Assert.Equal(t.State.SlotText("order_id"), replayed.State.SlotText("order_id"));
        Assert.True(replayed.State.Paused);
        Assert.Equal(stored.Select(s => s.Json), replayed.Events.Select(e => RasaEventJson.ToStored(e).Json));
    }

    [Fact]
    public void Unknown_event_type_is_a_clear_error()
    {
        var ex = Assert.Throws<FormatException>(() => RasaEventJson.FromJson(Json("{\"event\":\"teleport\"}")));
        Assert.Contains("teleport", ex.Message);
    }
}
