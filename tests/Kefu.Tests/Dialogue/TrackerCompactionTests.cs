using System.Collections.Immutable;
using System.Text.Json;
using Kefu.Dialogue.Tracking;
using Kefu.Nlu;
using static Kefu.Tests.Dialogue.FeaturizerCheckpointTests;

namespace Kefu.Tests.Dialogue;

/// <summary>
/// A compacted tracker keeps only its last turns in memory; whatever the events (reverts, restarts, loops), its
/// state, applied events and featurization must stay those of the tracker that kept everything.
/// </summary>
public class TrackerCompactionTests
{
    private static readonly ImmutableDictionary<string, JsonElement?> NoSlots = ImmutableDictionary<string, JsonElement?>.Empty;

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void A_compacted_tracker_behaves_as_the_whole_conversation(int seed)
    {
        var domain = Domain.Value;
        var random = new Random(seed);
        var whole = Tracker.Create("c", NoSlots);
        var compact = whole;
        for (int step = 0; step < 3000; step++)
        {
            var e = RandomEvent(random, domain);
            whole = whole.Append(e);
            compact = compact.Append(e);
            if (random.NextDouble() < 0.3)
                Assert.Equal(Full(whole, domain, 5), Checkpointed(compact, domain, 5));
            if (e is ActionExecuted { Name: "action_listen" })
            {
                var stored = whole.Events;
                compact = compact.Compact(() => stored);
            }
            Assert.Equal(Render(whole.State), Render(compact.State));
            Assert.Equal(whole.AppliedEvents().Count, compact.AppliedEvents().Count);
            Assert.Same(whole.AppliedEvents().LastOrDefault(), compact.AppliedEvents().LastOrDefault());
        }
        Assert.Equal(whole.AppliedEvents(), compact.AppliedEvents());
        Assert.Equal(whole.Events, compact.Events);
    }

    [Fact]
    public void A_long_conversation_keeps_its_last_turns_in_memory_and_action_back_needs_no_more()
    {
        var whole = Tracker.Create("c", NoSlots).Append(new SessionStarted()).Append(new ActionExecuted("action_listen"));
        var compact = whole;
        int loads = 0;
        for (int turn = 0; turn < 60; turn++)
        {
            DialogueEvent[] events =
            [
                User(turn % 2 == 0 ? "order_status" : "inform"),
                new SlotSet("order_id", JsonDocument.Parse($"\"{turn}\"").RootElement.Clone()),
                new ActionExecuted("utter_order_status", "rule", 1f),
                new ActionExecuted("action_listen", "rule", 1f),
            ];
            whole = whole.AppendAll(events);
            var stored = whole.Events;
            compact = compact.AppendAll(events).Compact(() => { loads++; return stored; });
        }
        // action_back: its own message and the one before are reverted
        DialogueEvent[] back = [User("back"), new ActionExecuted("action_back"), new UserUtteranceReverted(), new UserUtteranceReverted()];
        whole = whole.AppendAll(back);
        compact = compact.AppendAll(back);

        Assert.Equal(0, loads);
        Assert.True(compact.Events.FirstInMemory >= 200, $"in memory from event {compact.Events.FirstInMemory} of {compact.Events.Count}");
        Assert.Equal("\"58\"", compact.State.Slot("order_id")!.Value.GetRawText());
        Assert.Equal(Render(whole.State), Render(compact.State));
        Assert.Equal(Full(whole, Domain.Value, 5), Checkpointed(compact, Domain.Value, 5));
        Assert.Equal(0, loads);
        Assert.Equal(whole.Events, compact.Events);                     // reading everything goes to the store
        Assert.Equal(1, loads);
    }

    private static UserUttered User(string intent) =>
        new("x", new NluParse("x", new IntentPrediction(intent, 0.9f), [], []));

    private static string Render(TrackerState state) =>
        string.Join(",", state.Slots.OrderBy(s => s.Key, StringComparer.Ordinal).Select(s => $"{s.Key}={s.Value?.GetRawText()}"))
        + $"|{state with { Slots = NoSlots }}";
}
