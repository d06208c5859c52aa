using Kefu.Dialogue;
using Kefu.Dialogue.Actions;
using Kefu.Dialogue.Policies;
using Kefu.Dialogue.Tracking;
using Kefu.Nlu;
using Kefu.Projects;
using static Kefu.Tests.Actions.TestDomain;

namespace Kefu.Tests.Actions;

/// <summary>The two-stage fallback inside the real message loop, with a policy shaped like Rasa's nlu_fallback rule.</summary>
public class TwoStageFallbackAgentTests
{
    private static readonly Domain Shop = With(Response("utter_greet", "您好！"), Response("utter_default", "没听懂，请转人工"));

    private static DialogueAgent Agent()
    {
        var bot = new Bot(Shop, new Unsure(), new PolicyEnsemble([new FallbackRule()]));
        return new DialogueAgent(bot, new InMemoryEventStore(), new ActionRegistry(Shop, [new TwoStageFallbackAction()]));
    }

    [Fact]
    public async Task Affirming_continues_as_if_the_message_had_been_understood()
    {
        var agent = Agent();

        var ask = Assert.Single(await agent.HandleMessageAsync("c1", "hallo?"));
        Assert.Equal("您是想问「greet」吗？", ask.Text);
        var reply = Assert.Single(await agent.HandleMessageAsync("c1", ask.Buttons![0].Payload));
        Assert.Equal("您好！", reply.Text);

        var tracker = await agent.GetTrackerAsync("c1");
        Assert.Null(tracker.GetProperty("active_loop").TryGetProperty("name", out var loop) ? loop.GetString() : null);
        Assert.Equal(1f, tracker.GetProperty("latest_message").GetProperty("intent").GetProperty("confidence").GetSingle());
    }

    [Fact]
    public async Task Denying_twice_gives_up_with_the_default_response()
    {
        var agent = Agent();

        var ask = Assert.Single(await agent.HandleMessageAsync("c1", "hallo?"));
        Assert.Equal(TwoStageFallbackAction.BuiltInRephraseText, Assert.Single(await agent.HandleMessageAsync("c1", ask.Buttons![1].Payload)).Text);
        Assert.Equal("您是想问「greet」吗？", Assert.Single(await agent.HandleMessageAsync("c1", "hallo??")).Text);
        Assert.Equal("没听懂，请转人工", Assert.Single(await agent.HandleMessageAsync("c1", "/out_of_scope")).Text);

        // The loop is over: a new unclear message starts it again.
        Assert.Equal("您是想问「greet」吗？", Assert.Single(await agent.HandleMessageAsync("c1", "hallo???")).Text);
    }

    /// <summary>Every typed message is unclear, with greet second in the ranking.</summary>
    private sealed class Unsure : IMessageParser
    {
        public NluParse Parse(string text) => new(text, new IntentPrediction(ActionNames.NluFallbackIntent, 0.3f),
            [new IntentPrediction(ActionNames.NluFallbackIntent, 0.3f), new IntentPrediction("greet", 0.25f)], []);
    }

    /// <summary>The active loop runs until it has spoken; nlu_fallback → the two-stage fallback; greet → utter_greet.</summary>
    private sealed class FallbackRule : IPolicy
    {
        public string Name => "rule";
        public int Priority => 6;

        public PolicyPrediction? Predict(Tracker tracker, Domain domain)
        {
            var s = tracker.State;
            bool heardUser = s.LatestAction is null or ActionNames.Listen;
            string action = s.ActiveLoop is { } loop ? (s.LatestAction == loop ? ActionNames.Listen : loop)
                : !heardUser ? ActionNames.Listen
                : s.LatestMessage?.Parse?.Intent.Name switch
                {
                    ActionNames.NluFallbackIntent => ActionNames.TwoStageFallback,
                    "greet" => "utter_greet",
                    _ => ActionNames.Listen,
                };
            return new PolicyPrediction(action, 1f, Name, Priority);
        }
    }
}
