using System.Collections.Immutable;
using System.Net;
using System.Text.Json;
using FsCheck.Xunit;
using Kefu.Dialogue;
using Kefu.Dialogue.Tracking;
using Kefu.Nlu;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;

namespace Kefu.Server.Tests;

/// <summary>GET /conversations/{id}/tracker: Rasa's include_events, and events streamed from the store.</summary>
public class TrackerStreamTests
{
    private static readonly DateTimeOffset Start = new(2026, 11, 22, 8, 0, 0, TimeSpan.Zero);

    /// <summary>One engine event per kind: 0 user, 1 action_listen, 2 bot, 3 slot, 4 rewind, 5 undo, 6 restart, 7 session start.</summary>
    private static DialogueEvent Kind(int kind, int n)
    {
        DialogueEvent e = (kind % 8) switch
        {
            0 => new UserUttered($"消息 {n}", new NluParse($"消息 {n}", new IntentPrediction("greet", 1f), [], [])),
            1 => new ActionExecuted("action_listen"),
            2 => new BotUttered(new BotMessage($"回复 {n}")),
            3 => new SlotSet("n", JsonSerializer.SerializeToElement(n)),
            4 => new UserUtteranceReverted(),
            5 => new ActionReverted(),
            6 => new Restarted(),
            _ => new SessionStarted(),
        };
        // Distinct timestamps tell equal-looking events apart in the JSON.
        return e with { Timestamp = Start.AddSeconds(n) };
    }

    private static async Task<List<string>> EventsAsync(HttpClient client, string id, string? includeEvents)
    {
        var query = includeEvents is null ? "" : $"?include_events={includeEvents}";
        var response = await client.GetAsync($"/conversations/{id}/tracker{query}");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var events = (await response.ReadJsonAsync()).GetProperty("events");
        return events.EnumerateArray().Select(e => e.GetRawText()).ToList();
    }

    private static string Json(DialogueEvent e) => RasaEventJson.ToStored(e).Json;

    [Fact]
    public async Task Include_events_picks_all_after_the_last_restart_applied_or_none()
    {
        await using var host = await TestHost.StartAsync();
        DialogueEvent[] events = [Kind(7, 0), Kind(0, 1), Kind(2, 2), Kind(6, 3), Kind(0, 4), Kind(1, 5), Kind(0, 6), Kind(4, 7), Kind(2, 8)];
        await host.Store.AppendAsync("r", events.Select(RasaEventJson.ToStored).ToList());

        Assert.Equal(events.Select(Json), await EventsAsync(host.Client, "r", "ALL"));
        Assert.Equal(events[4..].Select(Json), await EventsAsync(host.Client, "r", "after_restart"));
        Assert.Equal(events[4..].Select(Json), await EventsAsync(host.Client, "r", null));
        // The rewind takes back the last user message and the action_listen before it.
        Assert.Equal(new[] { events[3], events[4], events[8] }.Select(Json), await EventsAsync(host.Client, "r", "Applied"));

        var none = await (await host.Client.GetAsync("/conversations/r/tracker?include_events=NONE")).ReadJsonAsync();
        Assert.Equal(JsonValueKind.Null, none.GetProperty("events").ValueKind);
        Assert.Equal("r", none.GetProperty("sender_id").GetString());
    }

    [Fact]
    public async Task An_unknown_include_events_is_a_problem()
    {
        await using var host = await TestHost.StartAsync();

        var response = await host.Client.GetAsync("/conversations/r/tracker?include_events=SOME");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("include_events is \"SOME\"; expected ALL, AFTER_RESTART, APPLIED or NONE",
            (await response.ReadProblemAsync()).GetProperty("detail").GetString());
    }

    [Property(MaxTest = 60)]
    public void Applied_events_are_the_engines_applied_events(byte[] kinds)
    {
        var events = kinds.Take(60).Select((k, n) => Kind(k, n)).ToList();
        var engine = Tracker.Create("p", ImmutableDictionary<string, JsonElement?>.Empty, events).AppliedEvents().Select(Json).ToList();

        var served = Host.Value.GetAwaiter().GetResult();
        var id = Guid.NewGuid().ToString("N");
        if (events.Count > 0)
            served.Store.AppendAsync(id, events.Select(RasaEventJson.ToStored).ToList()).GetAwaiter().GetResult();

        Assert.Equal(engine, EventsAsync(served.Client, id, "APPLIED").GetAwaiter().GetResult());
    }

    private static readonly Lazy<Task<TestHost>> Host = new(() => TestHost.StartAsync());

    [Fact]
    public async Task A_long_conversation_in_sqlite_streams_whole_and_in_order()
    {
        var directory = Directory.CreateTempSubdirectory("kefu-tracker-");
        try
        {
            var options = new KefuServerOptions { Port = 0, ProjectDirectory = directory.FullName };
            var builder = KefuServer.CreateBuilder(options, services => services.AddSingleton<IChatService, Fakes.EchoChatService>());
            builder.WebHost.UseTestServer();
            await using var app = KefuServer.Build(builder);
            app.Services.GetRequiredService<ServerReadiness>().MarkReady(new ModelInfo("m", null, null));
            await app.StartAsync();
            var store = app.Services.GetRequiredService<IEventStore>();
            // 3,000 events of ~1 KB in appends of 3: ~3 MB, many times the stream's flush size.
            var text = new string('长', 300);
            for (var n = 0; n < 3000; n += 3)
                await store.AppendAsync("long", [.. Enumerable.Range(n, 3).Select(i => RasaEventJson.ToStored(new BotUttered(new BotMessage($"{i} {text}")) { Timestamp = Start }))]);

            var events = await EventsAsync(app.GetTestClient(), "long", "ALL");

            Assert.Equal(3000, events.Count);
            Assert.All(events.Select((e, i) => (e, i)), x =>
                Assert.StartsWith($"{x.i} ", JsonDocument.Parse(x.e).RootElement.GetProperty("text").GetString()));
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            directory.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task Added_messages_and_the_hand_back_answer_with_the_streamed_tracker()
    {
        await using var host = await TestHost.StartAsync();

        var added = await host.Client.PostAsync("/conversations/h/messages?include_events=ALL",
            Http.Json("""{"sender":"agent","agent":"小王","text":"您好"}"""));
        var back = await host.Client.PostAsync("/conversations/h/handback?include_events=NONE", null);

        Assert.Equal(HttpStatusCode.OK, added.StatusCode);
        Assert.Equal(["pause", "agent"], (await added.ReadJsonAsync()).GetProperty("events").EnumerateArray().Select(e => e.GetProperty("event").GetString()));
        Assert.Equal(JsonValueKind.Null, (await back.ReadJsonAsync()).GetProperty("events").ValueKind);
    }
}
