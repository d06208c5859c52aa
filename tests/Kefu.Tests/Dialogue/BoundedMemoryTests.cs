using Kefu.Dialogue;
using Kefu.Dialogue.Tracking;

namespace Kefu.Tests.Dialogue;

/// <summary>
/// AgentOptions.MaxEventsInMemory: however long a conversation, the engine holds about that many of its events; the rest
/// stay in the store, and the state (a fold kept beside them) and the bot's answers stay those of the whole conversation.
/// </summary>
public class BoundedMemoryTests
{
    private const int Bound = 40;

    /// <summary>Events of the cached tracker held in memory: its log and its applied events (whole chunks of 32 are dropped).</summary>
    private static (int Events, int Applied) InMemory(DialogueAgent agent, string id)
    {
        var tracker = agent.Cached(id) ?? throw new InvalidOperationException($"{id} is not cached");
        var applied = (EventLog)tracker.AppliedEvents();
        return (tracker.Events.Count - tracker.Events.FirstInMemory, applied.Count - applied.FirstInMemory);
    }

    private static string State(Tracker tracker) => TrackerJson.Build(tracker, withEvents: false).GetRawText();

    [Fact]
    public async Task A_paused_conversation_of_many_messages_keeps_a_bounded_tail_and_resumes_as_if_whole()
    {
        var store = new InMemoryEventStore();
        var agent = TinyShop.Agent(store, new AgentOptions { MaxEventsInMemory = Bound });
        await agent.HandleMessageAsync("p", "/greet");
        await agent.AgentMessageAsync("p", "小王", "您好，我是小王");
        // No prediction runs while paused: nothing folds these into the policies' checkpoint unless the agent does.
        for (var i = 0; i < 300; i++)
            Assert.Empty(await agent.HandleMessageAsync("p", $"/inform_order_id{{\"order_id\":\"{i}\"}}"));

        var (events, applied) = InMemory(agent, "p");
        Assert.InRange(events, 1, Bound + 32);
        Assert.InRange(applied, 1, Bound + 32);

        await agent.HandBackAsync("p");
        var whole = Tracker.Create("p", agent.Bot.InitialSlots, (await store.LoadAsync("p")).Select(RasaEventJson.FromStored));
        Assert.Equal(State(whole), State(agent.Cached("p")!));
        new Chat(agent, "p").Send("/return_refund").Expect("订单号");
    }

    [Fact]
    public async Task A_conversation_replayed_from_the_store_is_read_in_turns_and_answers_as_the_one_that_saw_it()
    {
        var store = new CountingStore();
        var first = TinyShop.Agent(store, new AgentOptions { MaxEventsInMemory = Bound });
        for (var i = 0; i < 100; i++)
            await first.HandleMessageAsync("r", i % 2 == 0 ? "/greet" : "/delivery_time");
        await first.HandleMessageAsync("r", "/return_refund");
        var copy = store.Copy();

        // A restarted server: a new agent with nothing cached, on the same events.
        var second = TinyShop.Agent(copy, new AgentOptions { MaxEventsInMemory = Bound });
        var head = await second.GetTrackerHeadAsync("r");

        Assert.Equal(0, copy.Loads);
        Assert.Equal((await first.GetTrackerHeadAsync("r")).State.GetRawText(), head.State.GetRawText());
        Assert.Equal(store.Count("r"), head.EventCount);
        Assert.InRange(InMemory(second, "r").Events, 1, Bound + 32);

        const string next = "/inform_order_id{\"order_id\":\"A1\"}";
        var expected = await first.HandleMessageAsync("r", next);
        var replayed = await second.HandleMessageAsync("r", next);
        Assert.Contains(expected, m => m.Text!.Contains("原因"));
        Assert.Equal(expected.Select(m => m.Text), replayed.Select(m => m.Text));
        Assert.Equal(Slots(await first.GetTrackerHeadAsync("r")), Slots(await second.GetTrackerHeadAsync("r")));

        static string Slots(TrackerHead head) => head.State.GetProperty("slots").GetRawText() + head.State.GetProperty("active_loop").GetRawText();
    }

    /// <summary>An in-memory store that counts whole-conversation loads and can drop the last append.</summary>
    private sealed class CountingStore : IEventStore
    {
        private readonly Dictionary<string, List<List<StoredEvent>>> _appends = [];

        public int Loads { get; private set; }

        public int Count(string id) => _appends.TryGetValue(id, out var a) ? a.Sum(x => x.Count) : 0;

        public CountingStore Copy()
        {
            var copy = new CountingStore();
            foreach (var (id, appends) in _appends) copy._appends[id] = [.. appends.Select(a => a.ToList())];
            return copy;
        }

        private List<StoredEvent> All(string id) => _appends.TryGetValue(id, out var a) ? [.. a.SelectMany(x => x)] : [];

        public Task<IReadOnlyList<StoredEvent>> LoadAsync(string conversationId, CancellationToken ct = default)
        {
            Loads++;
            return Task.FromResult<IReadOnlyList<StoredEvent>>(All(conversationId));
        }

        public async IAsyncEnumerable<StoredEvent> ReadAsync(string conversationId, int from = 0,
            [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct = default)
        {
            await Task.Yield();
            foreach (var e in All(conversationId).Skip(from)) yield return e;
        }

        public Task AppendAsync(string conversationId, IReadOnlyList<StoredEvent> events, CancellationToken ct = default)
        {
            if (!_appends.TryGetValue(conversationId, out var a)) _appends[conversationId] = a = [];
            a.Add([.. events]);
            return Task.CompletedTask;
        }

        public Task<IReadOnlyList<string>> ListConversationsAsync(CancellationToken ct = default) =>
            Task.FromResult<IReadOnlyList<string>>([.. _appends.Keys]);
    }
}
