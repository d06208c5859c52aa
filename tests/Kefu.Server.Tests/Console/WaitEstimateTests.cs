using System.Net;
using System.Text.Json.Nodes;
using Kefu.Dialogue;
using Kefu.Server.Agents;
using Kefu.Dialogue.Policies;
using Kefu.Dialogue.Tracking;
using Kefu.Nlu;
using Kefu.Projects;
using Microsoft.Extensions.DependencyInjection;

namespace Kefu.Server.Tests.Console;

/// <summary>The queue notice's `{wait_minutes}`: the median handoff-to-claim wait of recent claims, times position + 1.</summary>
public sealed class WaitEstimateTests
{
    private static TimeSpan Minutes(double m) => TimeSpan.FromMinutes(m);

    [Fact]
    public void No_claims_give_no_estimate()
    {
        Assert.Null(WaitEstimate.Minutes([], 0));
        Assert.Null(WaitEstimate.Minutes([], 5));
    }

    [Theory]
    [InlineData(0, 4)]    // the median of 2, 4, 30
    [InlineData(1, 8)]
    [InlineData(2, 12)]
    public void The_median_wait_times_the_place_in_line(int position, int expected) =>
        Assert.Equal(expected, WaitEstimate.Minutes([Minutes(30), Minutes(2), Minutes(4)], position));

    [Theory]
    [InlineData(0, 2, 4)]   // served in the first round of two agents
    [InlineData(1, 2, 4)]
    [InlineData(2, 2, 8)]
    [InlineData(4, 3, 8)]
    [InlineData(1, 0, 8)]   // nobody online: counted as one agent
    public void Agents_online_serve_the_conversations_ahead_side_by_side(int position, int agents, int expected) =>
        Assert.Equal(expected, WaitEstimate.Minutes([Minutes(30), Minutes(2), Minutes(4)], position, agents));

    /// <summary>A clock the test moves.</summary>
    private sealed class ManualClock(DateTimeOffset start) : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = start;

        public override DateTimeOffset GetUtcNow() => Now;
    }

    [Fact]
    public void An_agent_is_online_for_thirty_seconds_after_their_console_last_read_the_queue()
    {
        var directory = Directory.CreateTempSubdirectory("kefu-console-online-").FullName;
        var clock = new ManualClock(DateTimeOffset.UtcNow);
        using var meter = new System.Diagnostics.Metrics.Meter("test");
        var queue = new HandoffQueue(new ConsoleStore(Path.Combine(directory, "console.db")), clock, meter);
        Assert.Equal(0, queue.AgentsOnline);

        queue.Seen("alice");
        clock.Now += TimeSpan.FromSeconds(20);
        queue.Seen("bob");
        queue.Seen("bob");
        Assert.Equal(2, queue.AgentsOnline);
        clock.Now += TimeSpan.FromSeconds(11);
        Assert.Equal(1, queue.AgentsOnline);
        clock.Now += TimeSpan.FromSeconds(20);
        Assert.Equal(0, queue.AgentsOnline);
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(directory, recursive: true);
    }

    [Fact]
    public void An_even_count_takes_the_middle_two_and_the_estimate_is_rounded_to_at_least_a_minute()
    {
        Assert.Equal(3, WaitEstimate.Minutes([Minutes(1), Minutes(2), Minutes(4), Minutes(60)], 0));   // (2 + 4) / 2
        Assert.Equal(1, WaitEstimate.Minutes([TimeSpan.FromSeconds(5)], 0));
        Assert.Equal(1, WaitEstimate.Minutes([TimeSpan.FromSeconds(-3)], 0));   // a clock that went back counts as no wait
        Assert.Equal(3, WaitEstimate.Minutes([TimeSpan.FromSeconds(150)], 0));  // 2.5 rounds up
    }

    [Fact]
    public async Task Only_first_claims_count_the_last_twenty_are_kept_and_they_survive_a_restart()
    {
        var directory = Directory.CreateTempSubdirectory("kefu-console-waits-").FullName;
        var store = new InMemoryEventStore();
        using var meter = new System.Diagnostics.Metrics.Meter("test");
        var consoleStore = new ConsoleStore(Path.Combine(directory, "console.db"));
        var queue = new HandoffQueue(consoleStore, TimeProvider.System, meter);
        await queue.LoadAsync(store, CancellationToken.None);
        var now = DateTimeOffset.UtcNow;
        for (var i = 0; i < 25; i++)
            queue.Appended($"c{i}", [new("pause", """{"reason":"request_human"}""", now.AddMinutes(-(i < 5 ? 100 : 10)))]);
        queue.Appended("joined", [new("pause", """{"reason":"agent"}""", now.AddMinutes(-100))]);
        Assert.Null(queue.WaitMinutes(0));

        for (var i = 0; i < 25; i++)
            Assert.Equal(ClaimOutcome.Claimed, queue.Claim($"c{i}", "alice").Outcome);
        Assert.Equal(ClaimOutcome.Claimed, queue.Claim("c0", "bob", from: "alice").Outcome);   // a transfer: no new wait
        Assert.Equal(ClaimOutcome.Claimed, queue.Claim("joined", "alice").Outcome);           // an agent wrote first: nobody waited

        // The five 100-minute waits were the oldest: the last twenty waited 10 minutes each.
        Assert.Equal(10, queue.WaitMinutes(0));
        Assert.Equal(20, queue.WaitMinutes(1));
        var again = new HandoffQueue(new ConsoleStore(Path.Combine(directory, "console.db")), TimeProvider.System, meter);
        Assert.Equal(10, again.WaitMinutes(0));
        Assert.Equal(WaitEstimate.ClaimsKept, consoleStore.LoadClaimWaits().Count);
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(directory, recursive: true);
    }

    [Fact]
    public async Task The_customer_hears_the_wait_once_an_agent_has_claimed_a_conversation()
    {
        var logs = new Kefu.Server.Tests.Fakes.RecordingLoggerProvider();
        await using var host = await ConsoleHost.StartAsync(logs: logs);
        // A conversation handed off six minutes ago, written as the engine stores a handoff.
        var store = host.Services.GetRequiredService<IEventStore>();
        var sixMinutesAgo = DateTimeOffset.UtcNow.AddMinutes(-6);
        await store.AppendAsync("early", [
            new("user", new JsonObject { ["text"] = "我要转人工" }.ToJsonString(), sixMinutesAgo),
            new("bot", new JsonObject { ["text"] = HandoffBot.HandoffText }.ToJsonString(), sixMinutesAgo),
            new("pause", """{"reason":"request_human"}""", sixMinutesAgo),
        ]);
        await host.Services.GetRequiredService<HandoffQueue>().Loaded;
        // No claim yet: the position only.
        await WaitForAsync(host, "early", HandoffNotices.QueueText(false, 0), logs);

        var alice = await host.SignInAsync("alice");
        Assert.Equal(HttpStatusCode.OK, (await alice.PostAsync("/console/api/conversations/early/claim", null)).StatusCode);
        await host.HandOffAsync("first");
        await host.HandOffAsync("second");

        // Nobody has the console's queue open: counted as one agent, serving those ahead one by one.
        Assert.Equal("您已进入人工客服队列，前面还有 0 位客户在等待，预计等待约 6 分钟，请稍候。", await host.LastMessageAsync("first"));
        Assert.Equal(HandoffNotices.QueueText(false, 1, 12), await host.LastMessageAsync("second"));

        // Two agents read the queue (a trainer does not count): two conversations ahead take one round.
        var bob = await host.SignInAsync("bob");
        var tina = await host.SignInAsync("tina");
        foreach (var client in new[] { alice, bob, tina })
            Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/console/api/queue")).StatusCode);
        await host.HandOffAsync("third");
        Assert.Equal(HandoffNotices.QueueText(false, 2, 12), await host.LastMessageAsync("third"));
    }

    [Fact]
    public async Task A_domain_queue_message_with_the_wait_waits_for_an_estimate_and_says_it_then()
    {
        var directory = Directory.CreateTempSubdirectory("kefu-console-wait-domain-").FullName;
        ConsoleHost.WriteProject(directory);
        await using (var host = await ConsoleHost.StartInAsync(directory, chat: HandingOffBot.Create))
        {
            await host.SayAsync("early", "/request_human");
            await WaitForAsync(host, "early", "前面还有 0 位，请稍候。");

            // Claimed as soon as it is queued: the wait recorded is under a minute, the estimate 1 minute.
            var alice = await host.SignInAsync("alice");
            Assert.Equal(HttpStatusCode.OK, (await alice.PostAsync("/console/api/conversations/early/claim", null)).StatusCode);
            await host.SayAsync("late", "/request_human");
            await WaitForAsync(host, "late", "前面还有 0 位，约 1 分钟。");
        }
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(directory, recursive: true);
    }

    private static async Task WaitForAsync(ConsoleHost host, string sender, string expected, Kefu.Server.Tests.Fakes.RecordingLoggerProvider? logs = null)
    {
        // Said in the background after the turn; generous, for a loaded machine.
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (await host.LastMessageAsync(sender) != expected && DateTime.UtcNow < deadline)
            await Task.Delay(20);
        var last = await host.LastMessageAsync(sender);
        if (last != expected && logs is not null)
            Assert.Fail($"last message \"{last}\"; the server's warnings and errors:\n" + string.Join("\n",
                logs.Entries.Where(e => e.Level >= Microsoft.Extensions.Logging.LogLevel.Warning).Select(e => $"{e.Category}: {e.Message} {e.Exception}")));
        Assert.Equal(expected, last);
    }

    /// <summary>The real dialogue engine: action_handoff for /request_human, utter_greet otherwise; the domain words the queue messages.</summary>
    private static class HandingOffBot
    {
        public static IChatService Create(IEventStore store)
        {
            var project = Directory.CreateTempSubdirectory("kefu-handing-off-");
            try
            {
                File.WriteAllText(Path.Combine(project.FullName, "domain.yml"), """
                    version: "3.1"
                    intents: [greet, request_human]
                    responses:
                      utter_greet:
                      - text: 您好！
                      utter_handoff:
                      - text: 正在为您转接人工客服。
                      utter_handoff_queue:
                      - text: 前面还有 {position} 位，约 {wait_minutes} 分钟。
                      utter_handoff_queue_no_estimate:
                      - text: 前面还有 {position} 位，请稍候。
                    """);
                var domain = RasaProject.Load(project.FullName).Domain;
                return new DialogueAgent(new Bot(domain, new NoParser(), new PolicyEnsemble([new HandOffOnRequest()])),
                    store, BotFactory.CreateActions(domain, []));
            }
            finally
            {
                project.Delete(recursive: true);
            }
        }

        /// <summary>Only "/intent" payloads are sent, which the engine parses itself.</summary>
        private sealed class NoParser : IMessageParser
        {
            public NluParse Parse(string text) => throw new InvalidOperationException("only /intent payloads are expected: " + text);
        }

        private sealed class HandOffOnRequest : IPolicy
        {
            public string Name => "hand_off_on_request";
            public int Priority => 6;
            public int History => 1;

            public PolicyPrediction? Predict(PolicyInput input) =>
                input.Tracker.Events.LastOrDefault(e => e is UserUttered or ActionExecuted) is UserUttered user
                    ? new PolicyPrediction(user.Parse!.Intent.Name == "request_human" ? "action_handoff" : "utter_greet", 1f, Name, Priority)
                    : new PolicyPrediction("action_listen", 1f, Name, Priority);
        }
    }
}
