using System.Text.Json;
using Kefu.Dialogue;
using Kefu.Dialogue.Actions;
using Kefu.Dialogue.Policies;
using Kefu.Dialogue.Tracking;
using Kefu.Nlu;
using Kefu.Projects;
using Kefu.Server.Storage;

namespace Kefu.Server.Tests;

/// <summary>
/// Three dialogue engines ("replicas", each with its own PostgreSQL store and Redis lock connection, its own tracker
/// cache) run turns of one conversation in parallel. The bot counts turns in a slot from the state it loaded, so a turn
/// run on a stale tracker or beside another turn would repeat a number: the counts must run 1, 2, ... N.
/// </summary>
public sealed class ReplicaAgentTests : IDisposable
{
    private readonly List<IDisposable> _owned = [];
    private readonly string _prefix = "kefu-agents-" + Guid.NewGuid().ToString("N")[..8];

    [SkippableFact]
    public async Task Turns_of_one_conversation_on_three_replicas_see_each_other_and_never_overlap()
    {
        var schema = Own(new TestServices.PostgresSchema());
        TestServices.RequireRedis();
        var replicas = Enumerable.Range(0, 3).Select(_ => Replica(schema.ConnectionString, shared: true)).ToArray();

        var counts = await RunTurns(replicas, turns: 45);

        Assert.Equal(Enumerable.Range(1, 45), counts.Order());
        var stored = await Own(new PostgresEventStore(schema.ConnectionString)).LoadAsync("c");
        var slotValues = stored.Where(e => e.Type == "slot").Select(e => JsonDocument.Parse(e.Json).RootElement.GetProperty("value").GetInt32());
        Assert.Equal(Enumerable.Range(1, 45), slotValues);
    }

    [SkippableFact]
    public async Task Without_the_shared_lock_store_the_counts_repeat()
    {
        // The check above can fail: in-process locks and tracker caches on a shared store lose turns' effects.
        var schema = Own(new TestServices.PostgresSchema());
        var replicas = Enumerable.Range(0, 3).Select(_ => Replica(schema.ConnectionString, shared: false)).ToArray();

        var counts = await RunTurns(replicas, turns: 45);

        Assert.NotEqual(Enumerable.Range(1, 45), counts.Order());
    }

    private static async Task<List<int>> RunTurns(DialogueAgent[] replicas, int turns)
    {
        var counts = new List<int>();
        await Parallel.ForEachAsync(Enumerable.Range(0, turns), new ParallelOptions { MaxDegreeOfParallelism = 6 }, async (i, ct) =>
        {
            var reply = await replicas[i % replicas.Length].HandleMessageAsync("c", $"message {i}", ct: ct);
            lock (counts) counts.Add(int.Parse(reply.Single().Text!));
        });
        return counts;
    }

    private DialogueAgent Replica(string connectionString, bool shared)
    {
        var store = Own(new PostgresEventStore(connectionString));
        var options = new AgentOptions();
        if (shared)
        {
            var (host, port) = (TestServices.RedisEndpoint.Split(':')[0], int.Parse(TestServices.RedisEndpoint.Split(':')[1]));
            options = options with { Locks = Own(new RedisConversationLocks(new RedisLockOptions(host, port, 0, KeyPrefix: _prefix))) };
        }
        var project = Directory.CreateTempSubdirectory("kefu-counter-");
        try
        {
            File.WriteAllText(Path.Combine(project.FullName, "domain.yml"), """
                version: "3.1"
                intents: [say]
                slots:
                  turns:
                    type: any
                    mappings:
                    - type: custom
                actions: [action_count]
                """);
            var domain = RasaProject.Load(project.FullName).Domain;
            return new DialogueAgent(new Bot(domain, new SayParser(), new PolicyEnsemble([new CountAfterUser()])), store,
                BotFactory.CreateActions(domain, [new CountAction()]), options);
        }
        finally
        {
            project.Delete(recursive: true);
        }
    }

    private T Own<T>(T disposable) where T : IDisposable
    {
        _owned.Add(disposable);
        return disposable;
    }

    public void Dispose()
    {
        for (var i = _owned.Count - 1; i >= 0; i--) _owned[i].Dispose();
    }

    private sealed class SayParser : IMessageParser
    {
        public NluParse Parse(string text) => new(text, new IntentPrediction("say", 1f), [new IntentPrediction("say", 1f)], []);
    }

    /// <summary>The next count from the loaded state; a small pause widens the window in which an unlocked turn would overlap another.</summary>
    private sealed class CountAction : IAction
    {
        public string Name => "action_count";

        public async Task<IReadOnlyList<DialogueEvent>> RunAsync(ActionContext context, CancellationToken ct)
        {
            var next = (context.Tracker.State.Slot("turns") is { ValueKind: JsonValueKind.Number } n ? n.GetInt32() : 0) + 1;
            await Task.Delay(5, ct);
            return [new SlotSet("turns", JsonSerializer.SerializeToElement(next)), new BotUttered(new BotMessage(next.ToString()))];
        }
    }

    private sealed class CountAfterUser : IPolicy
    {
        public string Name => "count_after_user";
        public int Priority => 6;
        public int History => 1;

        public PolicyPrediction? Predict(PolicyInput input) =>
            input.Tracker.Events.LastOrDefault(e => e is UserUttered or ActionExecuted) is UserUttered
                ? new PolicyPrediction("action_count", 1f, Name, Priority)
                : new PolicyPrediction("action_listen", 1f, Name, Priority);
    }
}
