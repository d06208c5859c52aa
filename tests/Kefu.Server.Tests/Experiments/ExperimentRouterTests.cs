using System.Text.Json;
using Kefu.Dialogue;
using Kefu.Dialogue.Tracking;
using Kefu.Experiments;
using Kefu.Nlu;
using Kefu.Projects;
using Kefu.Server.Experiments;

namespace Kefu.Server.Tests.Experiments;

/// <summary>The live experiment's router: sticky arms, weights, both engines used, the join recorded once.</summary>
public sealed class ExperimentRouterTests
{
    /// <summary>An engine that answers with its own name and stores what a turn and an append store.</summary>
    sealed class NamedEngine(string name, IEventStore store) : IChatService, IConversationControl
    {
        public int Turns;

        public async Task<IReadOnlyList<BotMessage>> HandleMessageAsync(string conversationId, string text, JsonElement? metadata = null, CancellationToken ct = default)
        {
            Interlocked.Increment(ref Turns);
            await store.AppendAsync(conversationId, [RasaEventJson.ToStored(new UserUttered(text, null)), RasaEventJson.ToStored(new BotUttered(new BotMessage(name)))], ct);
            return [new BotMessage(name)];
        }

        public Task AppendEventsAsync(string conversationId, IReadOnlyList<DialogueEvent> events, CancellationToken ct = default) =>
            store.AppendAsync(conversationId, events.Select(RasaEventJson.ToStored).ToList(), ct);

        public Task RecordUserMessageAsync(string conversationId, string text, NluParse? parse = null, CancellationToken ct = default) => throw new NotSupportedException();
        public NluParse Parse(string text) => throw new NotSupportedException();
        public Task<JsonElement> GetTrackerAsync(string conversationId, CancellationToken ct = default) => throw new NotSupportedException();
        public Task AgentMessageAsync(string conversationId, string agent, string text, CancellationToken ct = default) => throw new NotSupportedException();
        public Task HandBackAsync(string conversationId, CancellationToken ct = default) => throw new NotSupportedException();
        public Task<FeedbackOutcome> RecordFeedbackAsync(string conversationId, DialogueEvent feedback, CancellationToken ct = default) => throw new NotSupportedException();
        public Domain Domain => throw new NotSupportedException();
        public IMessageParser Nlu => throw new NotSupportedException();
        public Dialogue.Policies.PolicyEnsemble Policies => throw new NotSupportedException();
        public bool HasAction(string name) => false;
        public Task ReplaceEventsAsync(string conversationId, IReadOnlyList<DialogueEvent> events, CancellationToken ct = default) => throw new NotSupportedException();
        public Task<IReadOnlyList<BotMessage>> TriggerIntentAsync(string conversationId, string intent, IReadOnlyList<EntitySpan> entities, CancellationToken ct = default) => throw new NotSupportedException();
        public Task<IReadOnlyList<BotMessage>?> FireReminderAsync(string conversationId, ReminderScheduled reminder, CancellationToken ct = default) => throw new NotSupportedException();
        public Task<IReadOnlyList<BotMessage>> ExecuteActionAsync(string conversationId, string action, string? policy, float? confidence, CancellationToken ct = default) => throw new NotSupportedException();
        public Task<ActionScores> PredictAsync(string conversationId, CancellationToken ct = default) => throw new NotSupportedException();
    }

    static LiveExperiment Experiment(double weightB) =>
        new("test-exp", [new(LiveExperiments.A, "v1", 1 - weightB), new(LiveExperiments.B, "v2", weightB)], DateTimeOffset.UtcNow);

    [Fact]
    public async Task Conversations_stick_to_their_arm_follow_the_weights_and_join_once()
    {
        var store = new InMemoryEventStore();
        var a = new NamedEngine("A", store);
        var b = new NamedEngine("B", store);
        var experiment = Experiment(0.2);
        var router = new ExperimentRouter(experiment, [a, b], store);
        const int conversations = 2000;
        int toB = 0;
        for (int i = 0; i < conversations; i++)
        {
            string id = "c" + i;
            string first = (await router.HandleMessageAsync(id, "你好")).Single().Text!;
            Assert.Equal(experiment.Assigner().Assign(id).Name, first);
            if (i < 50)
                for (int turn = 0; turn < 3; turn++)
                    Assert.Equal(first, (await router.HandleMessageAsync(id, "再问")).Single().Text);
            if (first == "B") toB++;
            var joins = (await store.LoadAsync(id)).Where(e => e.Type == "experiment").Select(RasaEventJson.FromStored).Cast<ExperimentJoined>().ToList();
            var join = Assert.Single(joins);
            Assert.Equal((experiment.Name, first, first == "A" ? "v1" : "v2"), (join.Experiment, join.Arm, join.Version));
        }
        // 20% of 2,000: sd = sqrt(2000 * 0.2 * 0.8) ≈ 17.9; ±4 sd
        Assert.InRange(toB, 400 - 72, 400 + 72);
        Assert.True(a.Turns > 0 && b.Turns > 0);
        Assert.Equal(conversations + 150, a.Turns + b.Turns);

        // a new router (a restart) keeps each conversation's recorded arm and records no second join
        var restarted = new ExperimentRouter(experiment, [new NamedEngine("A", store), new NamedEngine("B", store)], store);
        for (int i = 0; i < 20; i++)
        {
            string id = "c" + i;
            string arm = ((ExperimentJoined)RasaEventJson.FromStored((await store.LoadAsync(id)).First(e => e.Type == "experiment"))).Arm;
            Assert.Equal(arm, (await restarted.HandleMessageAsync(id, "又来了")).Single().Text);
            Assert.Single(await store.LoadAsync(id), e => e.Type == "experiment");
        }
    }

    [Fact]
    public async Task The_recorded_arm_wins_over_the_hash_and_outcomes_come_from_the_events()
    {
        var store = new InMemoryEventStore();
        var experiment = Experiment(0.5);
        string id = "sticky";
        string other = experiment.Assigner().Assign(id).Name == "A" ? "B" : "A";
        await store.AppendAsync(id, [RasaEventJson.ToStored(new ExperimentJoined(experiment.Name, other, "vX"))]);
        var router = new ExperimentRouter(experiment, [new NamedEngine("A", store), new NamedEngine("B", store)], store);
        Assert.Equal(other, (await router.HandleMessageAsync(id, "你好")).Single().Text);
        await store.AppendAsync(id, [RasaEventJson.ToStored(new ConversationRated(4)), RasaEventJson.ToStored(new MessageFeedback(2, false))]);

        var outcome = StoredOutcomes.Of(experiment.Name, await store.LoadAsync(id))!;
        Assert.Equal((other, 4.0, false, true, false, false), (outcome.Arm, outcome.Stars, outcome.ThumbsUp, outcome.ThumbsDown, outcome.HandedOff, outcome.Fallback));
        Assert.Null(StoredOutcomes.Of("another", await store.LoadAsync(id)));
    }
}
