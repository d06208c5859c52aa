using Kefu.Dialogue;
using Kefu.Dialogue.Actions;
using Kefu.Dialogue.Tracking;
using Kefu.Projects;
using static Kefu.Tests.Actions.TestDomain;

namespace Kefu.Tests.Actions;

/// <summary>Rasa's tests/core/actions/test_two_stage_fallback.py, on trackers built the way the agent builds them.</summary>
public class TwoStageFallbackTests
{
    private const string Fallback = ActionNames.NluFallbackIntent;
    private const string OutOfScope = TwoStageFallbackAction.OutOfScopeIntent;
    private static readonly TwoStageFallbackAction Action = new();

    private static Tracker Start() => Tracker(
        new ActionExecuted(ActionNames.Listen),
        User("my name is John", "say_name", 1f),
        new SlotSet("some_slot", Json("\"example_value\"")));

    private static Tracker Say(Tracker t, UserUttered message) => t.Append(new ActionExecuted(ActionNames.Listen)).Append(message);

    private static UserUttered Unclear() => User("hi", Fallback, 0.2f, "greet", "bye");

    /// <summary>Runs the action as the agent does: ActionExecuted first, then its events.</summary>
    private static Tracker Run(Tracker t, Domain? domain = null) =>
        t.Append(new ActionExecuted(Action.Name)).AppendAll(Action.Run(Context(t, domain ?? Domain.Empty)));

    private static IReadOnlyList<DialogueEvent> Events(Tracker t, Domain? domain = null) => Action.Run(Context(t, domain ?? Domain.Empty));

    /// <summary>The applied events, one short line each, to compare with Rasa's expectations.</summary>
    private static List<string> Applied(Tracker t) => t.AppliedEvents().Select(e => e switch
    {
        ActionExecuted a => "action " + a.Name,
        UserUttered u => $"user {u.Parse?.Intent.Name} {u.Parse?.Intent.Confidence}",
        SlotSet s => $"slot {s.Name}={s.Value?.GetRawText()}",
        _ => RasaEventJson.TypeName(e),
    }).ToList();

    private static readonly List<string> JohnThenGreet =
        ["action action_listen", "user say_name 1", "slot some_slot=\"example_value\"", "action action_listen", "user greet 1"];

    [Fact]
    public void First_run_activates_the_loop_and_asks_to_affirm_the_best_real_intent()
    {
        var events = Events(Say(Start(), Unclear()));

        Assert.Equal(Action.Name, Assert.IsType<ActiveLoopSet>(events[0]).Name);
        var message = Assert.IsType<BotUttered>(events[1]).Message;
        Assert.Equal(2, events.Count);
        Assert.Equal("您是想问「greet」吗？", message.Text);
        Assert.Equal([("是", "/greet"), ("不是", "/out_of_scope")], message.Buttons!.Select(b => (b.Title, b.Payload)));
    }

    [Fact]
    public void A_rewound_fallback_before_does_not_count_as_a_second_fallback()
    {
        var t = Say(Tracker(), Unclear()).Append(new UserUtteranceReverted());
        var events = Events(Say(t, Unclear()));
        Assert.IsType<ActiveLoopSet>(events[0]);
        Assert.IsType<BotUttered>(events[1]);
        Assert.Equal(2, events.Count);
    }

    [Fact]
    public void The_domain_affirmation_response_can_name_the_intent()
    {
        var domain = With(Response(TwoStageFallbackAction.AffirmationResponse, "请问您是要「{intent}」吗？"));
        var message = Assert.IsType<BotUttered>(Events(Say(Start(), Unclear()), domain)[1]).Message;
        Assert.Equal("请问您是要「greet」吗？", message.Text);
        Assert.Equal("/greet", message.Buttons![0].Payload);
    }

    [Fact]
    public void First_affirmation_replaces_the_fallback_with_the_affirmed_message()
    {
        var t = Run(Say(Start(), Unclear()));
        t = Run(Say(t, User("/greet", "greet", 1f)));

        Assert.Equal(JohnThenGreet, Applied(t));
        Assert.Null(t.State.ActiveLoop);
        Assert.Equal(ActionNames.Listen, t.State.LatestAction);
        Assert.Equal("greet", t.State.LatestMessage?.Parse?.Intent.Name);
    }

    [Fact]
    public void A_confident_rephrasing_is_kept_at_confidence_one_with_its_slots()
    {
        var t = Run(Say(Start(), Unclear()));
        t = Say(t, User("/out_of_scope", OutOfScope, 1f));
        var rephrase = Events(t, With(Response(TwoStageFallbackAction.RephraseResponse, "please rephrase")));
        Assert.Equal("please rephrase", Assert.IsType<BotUttered>(Assert.Single(rephrase)).Message.Text);

        t = Run(t);
        t = Say(t, User("hello there", "greet", 0.8f)).Append(new SlotSet("order_id", Json("\"DD1\"")));
        t = Run(t);

        Assert.Equal([.. JohnThenGreet, "slot order_id=\"DD1\""], Applied(t));
        Assert.Equal("DD1", t.State.SlotText("order_id"));
        Assert.Null(t.State.ActiveLoop);
    }

    [Fact]
    public void A_low_confidence_rephrasing_is_asked_to_be_affirmed_and_can_then_succeed()
    {
        var t = Run(Say(Start(), Unclear()));
        t = Run(Say(t, User("/out_of_scope", OutOfScope, 1f)));
        t = Say(t, Unclear());
        var affirm = Events(t);
        Assert.Equal("您是想问「greet」吗？", Assert.IsType<BotUttered>(Assert.Single(affirm)).Message.Text);

        t = Run(Say(Run(t), User("/greet", "greet", 1f)));

        Assert.Equal(JohnThenGreet, Applied(t));
        Assert.Null(t.State.ActiveLoop);
    }

    [Fact]
    public void Two_fallbacks_in_a_row_give_up_like_the_default_fallback()
    {
        var t = Run(Say(Start(), Unclear()));
        t = Say(t, Unclear());
        var events = Events(t, With(Response("utter_default", "没听懂")));

        Assert.Null(Assert.IsType<ActiveLoopSet>(events[0]).Name);
        Assert.Equal("没听懂", Assert.IsType<BotUttered>(events[1]).Message.Text);
        Assert.All(events.Skip(2), e => Assert.IsType<UserUtteranceReverted>(e));

        t = Run(t);
        Assert.Equal(["action action_listen", "user say_name 1", "slot some_slot=\"example_value\""], Applied(t));
        Assert.Null(t.State.ActiveLoop);
    }

    [Theory]
    [InlineData(OutOfScope)]
    [InlineData(Fallback)]
    public void A_second_failed_affirmation_gives_up(string intent)
    {
        var t = Run(Say(Start(), Unclear()));
        t = Run(Say(t, User("/out_of_scope", OutOfScope, 1f)));
        t = Run(Say(t, Unclear()));
        t = Say(t, User("no", intent, intent == Fallback ? 0.2f : 1f, "greet"));

        var events = Events(t);
        Assert.Null(Assert.IsType<ActiveLoopSet>(events[0]).Name);
        Assert.Equal(TwoStageFallbackAction.BuiltInDefaultText, Assert.IsType<BotUttered>(events[1]).Message.Text);

        Assert.Equal(["action action_listen", "user say_name 1", "slot some_slot=\"example_value\""], Applied(Run(t)));
    }

    [Fact]
    public void Without_a_candidate_intent_it_asks_to_rephrase()
    {
        var events = Events(Say(Start(), User("???", Fallback, 0.1f)));
        Assert.Equal(TwoStageFallbackAction.BuiltInRephraseText, Assert.IsType<BotUttered>(events[1]).Message.Text);
    }
}
