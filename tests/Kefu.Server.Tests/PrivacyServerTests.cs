using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Kefu.Dialogue;
using Kefu.Dialogue.Policies;
using Kefu.Dialogue.Tracking;
using Kefu.Nlu;
using Kefu.Privacy;
using Kefu.Projects;
using Kefu.Server.Storage;
using Kefu.Server.Tests.Fakes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Kefu.Server.Tests;

/// <summary>
/// docs/privacy.md end to end: a real engine on a SQLite file behind the server. Personal data sent through the webhook
/// and the messages route reaches none of the database files, the tracker, the poll route, the logs or /metrics, while
/// the running turn and a kept slot have it. Then DELETE /conversations/{id} and the retention sweep.
/// </summary>
public sealed partial class PrivacyServerTests : IAsyncDisposable
{
    private const string Token = "privacy-test-token";
    private const string KeptPhone = "13812345678", OtherPhone = "13987654321", IdCard = "440304199003071248",
        Card = "6222020200112233446", Email = "zhang.san@example.com";

    private readonly string _directory = Directory.CreateTempSubdirectory("kefu-privacy-server-").FullName;
    private readonly RecordingLoggerProvider _logs = new();
    private WebApplication? _app;
    private HttpClient _client = null!;

    private static readonly PrivacySettings Privacy = PrivacySettings.Parse("""
        privacy:
          redact: [phone, id_card, bank_card, email]
          keep_slots: [phone]
        """, "endpoints.yml");

    private async Task StartAsync(TimeSpan? retention = null, TimeSpan? interval = null, bool ready = true)
    {
        var store = new SqliteEventStore(Path.Combine(_directory, "conversations.db"), exclusive: true);
        var options = new KefuServerOptions
        {
            AuthToken = Token, Port = 0, SessionKey = TestHost.SessionKey, Retention = retention,
            RetentionInterval = interval ?? TimeSpan.FromHours(1), ProjectDirectory = _directory,
        };
        var builder = KefuServer.CreateBuilder(options, services =>
        {
            services.AddSingleton<IEventStore>(store);
            services.AddSingleton<IChatService>(ContactBot.Create(store));
        });
        builder.WebHost.UseTestServer();
        builder.Logging.AddProvider(_logs);
        builder.Logging.SetMinimumLevel(LogLevel.Trace);
        _app = KefuServer.Build(builder);
        if (ready)
            _app.Services.GetRequiredService<ServerReadiness>().MarkReady(new ModelInfo(null, "test", null));
        await _app.StartAsync();
        _client = _app.GetTestClient();
        _client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Token);
    }

    private async Task<JsonElement> SendAsync(string sender, string message)
    {
        var response = await _client.PostAsync("/webhooks/rest/webhook",
            Http.Json(JsonSerializer.Serialize(new { sender, message })));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.ReadJsonAsync();
    }

    private async Task<string> GetTextAsync(string url)
    {
        var response = await _client.GetAsync(url);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadAsStringAsync();
    }

    private async Task StopAsync()
    {
        await _app!.StopAsync();
        await _app.DisposeAsync();
        _app = null;
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
    }

    /// <summary>Every file the store wrote (database, write-ahead log), decoded as the UTF-8 it holds text in.</summary>
    private string DatabaseFiles() => string.Join("\n", Directory.GetFiles(_directory)
        .Where(f => !f.EndsWith(".lock", StringComparison.Ordinal))
        .Select(f => Encoding.UTF8.GetString(File.ReadAllBytes(f))));

    [Fact]
    public async Task Nothing_personal_reaches_the_store_the_routes_the_logs_or_metrics()
    {
        await StartAsync();
        var secrets = new[] { OtherPhone, IdCard, Card, Email, "138 1234 5678" };

        var kept = await SendAsync("alice", $"我的手机号是 {KeptPhone}");
        var other = await SendAsync("bob", $"身份证{IdCard}，卡号 6222 0202 0011 2233 446，邮箱{Email}，电话{OtherPhone}");
        var logged = await _client.PostAsync("/conversations/bob/messages",
            Http.Json(JsonSerializer.Serialize(new { sender = "user", text = $"再记一下卡号{Card}" })));
        Assert.Equal(HttpStatusCode.OK, logged.StatusCode);

        // The running turn saw the original text: the slot was filled from it and the reply says it back.
        Assert.Equal($"好的，我们会打 {KeptPhone} 联系您", kept[0].GetProperty("text").GetString());
        Assert.Equal($"已记下卡号 {Card}", other[0].GetProperty("text").GetString());

        var trackerAlice = await GetTextAsync("/conversations/alice/tracker?include_events=ALL");
        var trackerBob = await GetTextAsync("/conversations/bob/tracker?include_events=ALL");
        var poll = await GetTextAsync("/webhooks/rest/conversations/bob/messages") + await GetTextAsync("/webhooks/rest/conversations/alice/messages");
        var metrics = await GetTextAsync("/metrics");

        // The kept slot keeps the number, in the slot only; the message and the bot's echo of it are masked.
        var alice = JsonDocument.Parse(trackerAlice).RootElement;
        Assert.Equal(KeptPhone, alice.GetProperty("slots").GetProperty("phone").GetString());
        Assert.Equal("我的手机号是 [phone]", alice.GetProperty("latest_message").GetProperty("text").GetString());
        Assert.Contains("好的，我们会打 [phone] 联系您", trackerAlice);
        Assert.Contains("[id_card]", trackerBob);
        Assert.Contains("已记下卡号 [bank_card]", poll);

        await StopAsync();
        var files = DatabaseFiles();
        Assert.Contains("[email]", files);
        Assert.Contains(KeptPhone, files); // the kept slot's event
        Assert.Single(KeptPhoneInJson().Matches(trackerAlice), m => !m.Value.StartsWith("\"phone\"", StringComparison.Ordinal));

        var logs = string.Join("\n", _logs.Entries.Select(e => e.Message + e.Exception));
        foreach (var (place, text) in new[] { ("the database files", files), ("alice's tracker", trackerAlice), ("bob's tracker", trackerBob),
                     ("the poll route", poll), ("the logs", logs), ("/metrics", metrics) })
            foreach (var secret in secrets)
                Assert.False(text.Contains(secret, StringComparison.Ordinal), $"{place} hold {secret}");
        Assert.DoesNotContain($"手机号是 {KeptPhone}", files);
        Assert.DoesNotContain($"会打 {KeptPhone}", files);
    }

    /// <summary>The kept number in tracker JSON: as its slot ("phone") or in an event ("value"); only the slot event may hold it.</summary>
    [GeneratedRegex("\"(phone|value)\":\"13812345678\"")]
    private static partial Regex KeptPhoneInJson();

    [Fact]
    public async Task Delete_erases_the_conversation_and_is_idempotent()
    {
        await StartAsync();
        await SendAsync("carol", "我的手机号是 13812345678");
        var store = _app!.Services.GetRequiredService<IEventStore>();
        Assert.NotEmpty(await store.LoadAsync("carol"));

        Assert.Equal(HttpStatusCode.NoContent, (await _client.DeleteAsync("/conversations/carol")).StatusCode);

        Assert.Empty(await store.LoadAsync("carol"));
        var tracker = JsonDocument.Parse(await GetTextAsync("/conversations/carol/tracker?include_events=ALL")).RootElement;
        Assert.Empty(tracker.GetProperty("events").EnumerateArray());
        Assert.Equal(JsonValueKind.Null, tracker.GetProperty("slots").GetProperty("phone").ValueKind);
        Assert.Equal(HttpStatusCode.NoContent, (await _client.DeleteAsync("/conversations/carol")).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await _client.DeleteAsync("/conversations/nobody-ever")).StatusCode);
        // The same id afterwards is a new conversation.
        await SendAsync("carol", "你好");
        Assert.Equal(HttpStatusCode.NoContent, (await _client.DeleteAsync("/conversations/carol")).StatusCode);

        await StopAsync();
        Assert.DoesNotContain(KeptPhone, DatabaseFiles());
    }

    [Fact]
    public async Task Delete_wants_the_token_and_a_valid_id()
    {
        await StartAsync();
        await SendAsync("dave", "你好");
        using var anonymous = _app!.GetTestClient();

        var unauthorized = await anonymous.DeleteAsync("/conversations/dave");
        var tooLong = await _client.DeleteAsync("/conversations/" + new string('x', new ServerLimits().MaxIdCharacters + 1));

        Assert.Equal(HttpStatusCode.Unauthorized, unauthorized.StatusCode);
        await unauthorized.ReadProblemAsync();
        Assert.Equal(HttpStatusCode.BadRequest, tooLong.StatusCode);
        await tooLong.ReadProblemAsync();
        Assert.NotEmpty(await _app!.Services.GetRequiredService<IEventStore>().LoadAsync("dave"));
    }

    [Fact]
    public async Task Delete_before_the_model_is_loaded_is_503()
    {
        await using var host = await TestHost.StartAsync(ready: false);

        var response = await host.Client.DeleteAsync("/conversations/early");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        await response.ReadProblemAsync();
    }

    [Fact]
    public async Task Delete_on_an_engine_that_cannot_erase_is_501_not_a_crash()
    {
        await using var host = await TestHost.StartAsync(); // the echo bot keeps IChatService's default EraseAsync

        var response = await host.Client.DeleteAsync("/conversations/echo-1");

        Assert.Equal(HttpStatusCode.NotImplemented, response.StatusCode);
        Assert.Contains("cannot erase", (await response.ReadProblemAsync()).GetProperty("detail").GetString());
    }

    [Fact]
    public async Task The_retention_sweep_erases_idle_conversations_only()
    {
        // Not marked ready: the background sweep waits for that, so this sweep is the only one.
        await StartAsync(retention: TimeSpan.FromDays(30), ready: false);
        var store = _app!.Services.GetRequiredService<IEventStore>();
        var old = DateTimeOffset.UtcNow.AddDays(-40);
        await store.AppendAsync("old", [new StoredEvent("user", """{"event":"user","text":"很久以前"}""", old)]);
        await store.AppendAsync("recent", [new StoredEvent("user", """{"event":"user","text":"你好"}""", DateTimeOffset.UtcNow)]);

        var erased = await _app.Services.GetRequiredService<RetentionSweep>().SweepAsync();

        Assert.Equal(1, erased);
        Assert.Empty(await store.LoadAsync("old"));
        Assert.NotEmpty(await store.LoadAsync("recent"));
        Assert.Contains(_logs.Entries, e => e.Message.StartsWith("Retention: erased 1 conversation(s)", StringComparison.Ordinal));
    }

    [Fact]
    public async Task The_retention_sweep_runs_by_itself_once_the_server_is_ready()
    {
        await StartAsync(retention: TimeSpan.FromDays(1), interval: TimeSpan.FromMilliseconds(200));
        var store = _app!.Services.GetRequiredService<IEventStore>();
        await store.AppendAsync("stale", [new StoredEvent("user", """{"event":"user","text":"旧的"}""", DateTimeOffset.UtcNow.AddDays(-2))]);

        var until = DateTime.UtcNow.AddSeconds(20);
        while (await store.CountAsync("stale") > 0 && DateTime.UtcNow < until)
            await Task.Delay(50);

        Assert.Equal(0, await store.CountAsync("stale"));
    }

    public async ValueTask DisposeAsync()
    {
        if (_app is not null) await StopAsync();
        _logs.Dispose();
        Directory.Delete(_directory, recursive: true);
    }

    /// <summary>
    /// A bot with a kept `phone` slot (from the phone entity) and a `card` slot it does not keep; each answer repeats the
    /// slot it filled, so the bot's own messages carry personal data too.
    /// </summary>
    private static partial class ContactBot
    {
        public static IChatService Create(IEventStore store)
        {
            var project = Directory.CreateTempSubdirectory("kefu-contact-bot-");
            try
            {
                File.WriteAllText(Path.Combine(project.FullName, "domain.yml"), """
                    version: "3.1"
                    intents: [give_phone, give_card, greet]
                    entities: [phone, card]
                    slots:
                      phone:
                        type: text
                        mappings:
                          - type: from_entity
                            entity: phone
                      card:
                        type: text
                        mappings:
                          - type: from_entity
                            entity: card
                    responses:
                      utter_give_phone:
                      - text: "好的，我们会打 {phone} 联系您"
                      utter_give_card:
                      - text: "已记下卡号 {card}"
                      utter_greet:
                      - text: 您好！
                    """);
                var domain = RasaProject.Load(project.FullName).Domain;
                return new DialogueAgent(new Bot(domain, new Parser(), new PolicyEnsemble([new AnswerTheIntent()])),
                    store, BotFactory.CreateActions(domain, []), new AgentOptions { Privacy = Privacy });
            }
            finally
            {
                project.Delete(recursive: true);
            }
        }

        private sealed partial class Parser : IMessageParser
        {
            public NluParse Parse(string text)
            {
                var entities = new List<EntitySpan>();
                if (text.Contains("手机号", StringComparison.Ordinal) && MobileNumber().Match(text) is { Success: true } phone)
                    entities.Add(new EntitySpan(phone.Index, phone.Index + phone.Length, "phone", phone.Value));
                if (CardNumber().Match(text) is { Success: true } card)
                    entities.Add(new EntitySpan(card.Index, card.Index + card.Length, "card", card.Value.Replace(" ", "", StringComparison.Ordinal)));
                var intent = new IntentPrediction(entities.Count == 0 ? "greet" : entities[0].Entity == "phone" ? "give_phone" : "give_card", 1f);
                return new NluParse(text, intent, [intent], entities);
            }

            [GeneratedRegex(@"1[3-9]\d{9}")]
            private static partial Regex MobileNumber();

            [GeneratedRegex(@"(?<=卡号\s?)6[\d ]{15,22}\d")]
            private static partial Regex CardNumber();
        }

        private sealed class AnswerTheIntent : IPolicy
        {
            public string Name => "answer_the_intent";
            public int Priority => 6;
            public int History => 1;

            public PolicyPrediction? Predict(PolicyInput input) =>
                input.Tracker.Events.LastOrDefault(e => e is UserUttered or ActionExecuted) is UserUttered user
                    ? new PolicyPrediction("utter_" + user.Parse!.Intent.Name, 1f, Name, Priority)
                    : new PolicyPrediction("action_listen", 1f, Name, Priority);
        }
    }
}
