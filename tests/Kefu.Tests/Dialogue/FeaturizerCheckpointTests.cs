using System.Collections.Immutable;
using System.Text.Json;
using Kefu.Dialogue.Policies;
using Kefu.Dialogue.Tracking;
using Kefu.Nlu;
using Kefu.Projects;

namespace Kefu.Tests.Dialogue;

/// <summary>
/// The policies featurize a tracker from the checkpoint its predecessor left; whatever the events (slots, loops,
/// restarts, reverts, branches from one tracker), the result must equal featurizing all applied events.
/// </summary>
public class FeaturizerCheckpointTests
{
    internal static readonly Lazy<Domain> Domain = new(() =>
        RasaProject.Load(Path.Combine(RepoPaths.Root, "samples", "ecommerce-zh")).Domain);

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    public void Checkpointed_featurization_equals_featurizing_every_applied_event(int seed)
    {
        var domain = Domain.Value;
        var random = new Random(seed);
        var tracker = Tracker.Create("c", ImmutableDictionary<string, JsonElement?>.Empty);
        int checks = 0;
        for (int step = 0; step < 600; step++)
        {
            tracker = tracker.Append(RandomEvent(random, domain));
            if (random.NextDouble() < 0.4)
            {
                int keep = random.Next(0, StateFeaturizer.MaxKeptTurns + 1);
                Assert.Equal(Full(tracker, domain, keep), Checkpointed(tracker, domain, keep));
                checks++;
            }
            if (random.NextDouble() < 0.05)
            {
                // a branch: another tracker appended from the same parent inherits the same checkpoint
                var branch = tracker.Append(RandomEvent(random, domain));
                Assert.Equal(Full(branch, domain, 5), Checkpointed(branch, domain, 5));
            }
        }
        Assert.True(checks > 100);
    }

    [Fact]
    public void Equal_states_of_different_conversations_are_one_instance()
    {
        var domain = Domain.Value;
        var random = new Random(7);
        var events = Enumerable.Range(0, 60).Select(_ => RandomEvent(random, domain)).ToList();
        var tracker = Tracker.Create("other", ImmutableDictionary<string, JsonElement?>.Empty, events);
        var (a, currentA) = StateFeaturizer.Featurize(tracker.AppliedEvents(), domain, StateFeaturizer.MaxKeptTurns);
        var (b, currentB, _) = StateFeaturizer.Featurize(tracker, domain, StateFeaturizer.MaxKeptTurns);

        Assert.Same(currentA, currentB);
        Assert.Equal(a.Count, b.Count);
        Assert.True(a.Count > 0);
        for (int i = 0; i < a.Count; i++) Assert.Same(a[i].State, b[i].State);
    }

    internal static string Full(Tracker tracker, Domain domain, int keep)
    {
        var (turns, current) = StateFeaturizer.Featurize(tracker.AppliedEvents(), domain, keep);
        int users = tracker.AppliedEvents().Count(e => e is UserUttered);
        return Render(turns, current, users);
    }

    internal static string Checkpointed(Tracker tracker, Domain domain, int keep)
    {
        var (turns, current, users) = StateFeaturizer.Featurize(tracker, domain, keep);
        return Render(turns, current, users);
    }

    private static string Render(IEnumerable<(DialogueState State, string Action)> turns, DialogueState current, int users)
    {
        static string Key(DialogueState s) => s.Key(s.Slots.Keys.ToHashSet());
        return string.Join("\n", turns.Select(t => $"{Key(t.State)} -> {t.Action}").Append(Key(current)).Append($"users {users}"));
    }

    internal static DialogueEvent RandomEvent(Random random, Domain domain)
    {
        int roll = random.Next(100);
        if (roll < 35)
            return new ActionExecuted(random.Next(3) == 0 ? "action_listen" : domain.Actions[random.Next(domain.Actions.Count)].Name);
        if (roll < 55)
        {
            var intent = domain.Intents[random.Next(domain.Intents.Count)].Name;
            var entities = domain.Entities.Where(_ => random.Next(4) == 0)
                .Select(e => new EntitySpan(0, 1, e.Name, "x")).ToList();
            return new UserUttered("x", new NluParse("x", new IntentPrediction(intent, 0.9f), [], entities));
        }
        if (roll < 80)
        {
            var slot = domain.Slots[random.Next(domain.Slots.Count)];
            string[] values = ["null", "\"a\"", "\"B\"", "true", "false", "1.5", "[]", "[\"x\"]"];
            return new SlotSet(slot.Name, JsonDocument.Parse(values[random.Next(values.Length)]).RootElement.Clone());
        }
        if (roll < 88) return new ActiveLoopSet(random.Next(2) == 0 ? null : domain.Forms[random.Next(domain.Forms.Count)].Name);
        return (roll - 88) switch
        {
            0 => new SessionStarted(),
            1 => new Restarted(),
            2 or 3 => new ActionReverted(),
            4 or 5 => new UserUtteranceReverted(),
            6 => new AllSlotsReset(),
            _ => new SlotSet(TrackerState.RequestedSlot, JsonDocument.Parse("\"order_id\"").RootElement.Clone()),
        };
    }
}
