using System.Text.Json;
using Kefu.Dialogue;
using Kefu.Dialogue.Tracking;
using Kefu.Server.Reminders;
using Kefu.Server.Tests.Fakes;
using Microsoft.Extensions.DependencyInjection;

namespace Kefu.Server.Tests;

/// <summary>The server fires the reminders conversations schedule, and those it finds in the store when it starts.</summary>
public class ReminderServiceTests
{
    /// <summary>Generous: the whole suite shares two cores.</summary>
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);

    private static Task<TestHost> Start(bool ready = true) => TestHost.StartAsync(ready: ready, services: s =>
        s.AddSingleton<IChatService>(sp => GreeterBot.Create(sp.GetRequiredService<IEventStore>(),
            new AgentOptions { Reminders = sp.GetRequiredService<ReminderService>() })));

    private static string Reminder(string name, DateTimeOffset at, bool kill = false) => JsonSerializer.Serialize(new object[]
    {
        new Dictionary<string, object> { ["event"] = "reminder", ["intent"] = "greet", ["date_time"] = at.ToString("o"), ["name"] = name, ["kill_on_user_msg"] = kill },
    });

    private static async Task<List<JsonElement>> EventsAsync(TestHost host, string id) =>
        [.. JsonDocument.Parse(await host.Client.GetStringAsync($"/conversations/{id}/tracker")).RootElement.GetProperty("events").EnumerateArray()];

    private static async Task<bool> GreetedAsync(TestHost host, string id, string reminder)
    {
        var deadline = DateTime.UtcNow + Patience;
        while (DateTime.UtcNow < deadline)
        {
            var events = await EventsAsync(host, id);
            int fired = events.FindIndex(e => e.GetProperty("event").GetString() == "user"
                && e.TryGetProperty("message_id", out var m) && m.GetString() == "reminder:" + reminder);
            if (fired >= 0 && events.Skip(fired).Any(e => e.GetProperty("event").GetString() == "bot" && e.GetProperty("text").GetString() == "您好！"))
                return true;
            await Task.Delay(100);
        }
        return false;
    }

    [Fact]
    public async Task A_reminder_posted_as_an_event_fires_at_its_time()
    {
        await using var host = await Start();
        var response = await host.Client.PostAsync("/conversations/r1/tracker/events", Http.Json(Reminder("soon", DateTimeOffset.UtcNow.AddSeconds(1))));
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
        Assert.True(await GreetedAsync(host, "r1", "soon"));
        Assert.Single(await EventsAsync(host, "r1"), e => e.GetProperty("event").GetString() == "bot");
    }

    [Fact]
    public async Task Reminders_in_the_store_at_start_fire_and_killed_ones_do_not()
    {
        await using var host = await Start(ready: false);
        DialogueEvent[] due = [new SessionStarted(), new ReminderScheduled("greet", DateTimeOffset.UtcNow.AddMinutes(-5), [], "missed", false)];
        DialogueEvent[] killed = [new SessionStarted(), new ReminderScheduled("greet", DateTimeOffset.UtcNow.AddMinutes(-5), [], "killed", true),
            new UserUttered("在吗", null)];
        await host.Store.AppendAsync("r2", [.. due.Select(RasaEventJson.ToStored)]);
        await host.Store.AppendAsync("r3", [.. killed.Select(RasaEventJson.ToStored)]);
        host.Readiness.MarkReady(new ModelInfo("models/test.kefu", "test-model", DateTimeOffset.UtcNow));

        Assert.True(await GreetedAsync(host, "r2", "missed"));
        Assert.DoesNotContain(await EventsAsync(host, "r3"), e => e.GetProperty("event").GetString() == "bot");
        Assert.Equal(0, host.Services.GetRequiredService<ReminderService>().Scheduled);
    }
}
