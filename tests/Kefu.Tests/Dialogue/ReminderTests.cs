using System.Text.Json;
using Kefu.Dialogue;
using Kefu.Dialogue.Tracking;
using Kefu.Nlu;

namespace Kefu.Tests.Dialogue;

/// <summary>Rasa's reminders: their events, which of them are pending, and the engine firing one.</summary>
public class ReminderTests
{
    private static readonly DateTimeOffset At = new(2026, 12, 7, 18, 0, 0, TimeSpan.FromHours(8));

    private static ReminderScheduled Reminder(string name, bool kill = true, string intent = "greet", params EntitySpan[] entities) =>
        new(intent, At, entities, name, kill);

    private static UserUttered User(string text) => new(text, null);

    [Fact]
    public void Reminder_events_read_and_write_as_rasa_does()
    {
        var read = RasaEventJson.FromJson(JsonDocument.Parse("""
            {"event": "reminder", "timestamp": null, "intent": "EXTERNAL_dry_plant", "entities": [{"entity": "plant", "value": "orchid"}],
             "date_time": "2026-12-07T18:00:00+08:00", "name": "water", "kill_on_user_msg": false}
            """).RootElement);
        var reminder = Assert.IsType<ReminderScheduled>(read);
        Assert.Equal(("EXTERNAL_dry_plant", At, "water", false), (reminder.Intent, reminder.TriggerAt, reminder.Name, reminder.KillOnUserMessage));
        Assert.Equal(("plant", "orchid"), (reminder.Entities.Single().Entity, reminder.Entities.Single().Value));
        var again = Assert.IsType<ReminderScheduled>(RasaEventJson.FromStored(RasaEventJson.ToStored(reminder)));
        Assert.Equal((reminder.Intent, reminder.TriggerAt, reminder.Name, reminder.KillOnUserMessage), (again.Intent, again.TriggerAt, again.Name, again.KillOnUserMessage));
        Assert.Equal(reminder.Entities.Single().Value, again.Entities.Single().Value);

        // the SDK's dict form of entities, a name left out (Rasa makes one), kill_on_user_msg defaulting to true
        var plain = Assert.IsType<ReminderScheduled>(RasaEventJson.FromJson(JsonDocument.Parse(
            """{"event": "reminder", "intent": "greet", "entities": {"city": "北京"}, "date_time": "2026-12-07T10:00:00Z"}""").RootElement));
        Assert.True(plain.KillOnUserMessage);
        Assert.NotEmpty(plain.Name);
        Assert.Equal("北京", plain.Entities.Single().Value);

        var cancel = Assert.IsType<ReminderCancelled>(RasaEventJson.FromJson(JsonDocument.Parse(
            """{"event": "cancel_reminder", "intent": "greet", "entities": [{"entity": "city", "value": "北京"}]}""").RootElement));
        Assert.Equal((null, "greet"), (cancel.Name, cancel.Intent));
        Assert.Equal("cancel_reminder", RasaEventJson.ToStored(cancel).Type);

        foreach (var bad in new[] { """{"event": "reminder", "intent": "greet"}""", """{"event": "reminder", "intent": "greet", "date_time": "soon"}""",
                     """{"event": "reminder", "date_time": "2026-12-07T10:00:00Z"}""", """{"event": "reminder", "intent": "greet", "date_time": "2026-12-07T10:00:00Z", "entities": [1]}""" })
            Assert.Throws<FormatException>(() => RasaEventJson.FromJson(JsonDocument.Parse(bad).RootElement));
    }

    [Fact]
    public void Pending_reminders_follow_rasas_rules()
    {
        var city = new EntitySpan(0, 0, "city", "北京");
        Assert.Equal(["a"], Names([Reminder("a")]));
        // a user message kills those that ask for it; a fired reminder's own message marks it fired
        Assert.Equal(["b"], Names([Reminder("a"), Reminder("b", kill: false), User("在吗")]));
        Assert.Empty(Names([Reminder("b", kill: false), new UserUttered("EXTERNAL: greet", null, null, Reminders.MessageId(Reminder("b")))]));
        // cancelled by name, or by intent and entities
        Assert.Equal(["b"], Names([Reminder("a"), Reminder("b"), new ReminderCancelled("a", null, [])]));
        Assert.Equal(["b"], Names([Reminder("a", true, "remind", city), Reminder("b", true, "remind"), new ReminderCancelled(null, "remind", [city])]));
        Assert.Empty(Names([Reminder("a", true, "remind", city), Reminder("b", true, "remind"), new ReminderCancelled(null, "remind", [])]));
        // a restart or a new session forgets them (Rasa's applied events); the same name again replaces the first
        Assert.Empty(Names([Reminder("a"), new Restarted()]));
        Assert.Empty(Names([Reminder("a", kill: false), new SessionStarted()]));
        var later = Reminder("a") with { TriggerAt = At.AddHours(1) };
        Assert.Equal(later.TriggerAt, Assert.Single(Reminders.Pending([Reminder("a"), later])).TriggerAt);
    }

    private static List<string> Names(IEnumerable<DialogueEvent> events) => [.. Reminders.Pending(events).Select(r => r.Name)];

    [Fact]
    public async Task The_engine_fires_a_pending_reminder_once_and_tells_the_scheduler_what_it_stored()
    {
        var scheduler = new RecordingScheduler();
        var agent = TinyShop.Agent(options: new AgentOptions { Reminders = scheduler });
        var reminder = new ReminderScheduled("delivery_time", DateTimeOffset.UtcNow, [], "nudge", KillOnUserMessage: false);
        await agent.HandleMessageAsync("c1", "/greet");
        await agent.AppendEventsAsync("c1", [reminder]);
        Assert.Equal("nudge", Assert.Single(scheduler.Heard.OfType<ReminderScheduled>()).Name);

        var said = await agent.FireReminderAsync("c1", reminder);
        Assert.Equal(["一般 48 小时内发货。"], said!.Select(m => m.Text));
        var events = (await agent.GetTrackerAsync("c1")).GetProperty("events").EnumerateArray().ToList();
        var external = events.Last(e => e.GetProperty("event").GetString() == "user");
        Assert.Equal(("EXTERNAL: delivery_time", "reminder:nudge"), (external.GetProperty("text").GetString(), external.GetProperty("message_id").GetString()));
        Assert.Null(await agent.FireReminderAsync("c1", reminder));   // fired once, even if the schedule held it twice

        var killed = new ReminderScheduled("delivery_time", DateTimeOffset.UtcNow, [], "killed");
        await agent.AppendEventsAsync("c2", [killed]);
        await agent.HandleMessageAsync("c2", "/greet");
        Assert.Null(await agent.FireReminderAsync("c2", killed));
        Assert.Null(await agent.FireReminderAsync("c3", killed));      // a conversation that never had it
    }

    private sealed class RecordingScheduler : IReminderScheduler
    {
        public List<DialogueEvent> Heard { get; } = [];

        public void Stored(string conversationId, IReadOnlyList<DialogueEvent> events) => Heard.AddRange(events);
    }
}

/// <summary>Kefu.Sdk's reminder events, in process and on the wire.</summary>
public class SdkReminderTests
{
    private sealed class Remind : Kefu.Sdk.CustomAction
    {
        public override string Name => "action_remind";

        public override Task<IReadOnlyList<Kefu.Sdk.ActionEvent>> RunAsync(Kefu.Sdk.CollectingDispatcher dispatcher, Kefu.Sdk.Tracker tracker, Kefu.Sdk.Domain domain) =>
            Done(new Kefu.Sdk.ReminderScheduled("still_there", new DateTimeOffset(2026, 12, 7, 18, 0, 0, TimeSpan.FromHours(8)),
                    new Dictionary<string, string> { ["order_id"] = "DD1" }, "nudge", KillOnUserMessage: false),
                new Kefu.Sdk.ReminderCancelled(Intent: "old_nudge"));
    }

    [Fact]
    public async Task A_csharp_action_schedules_and_cancels_reminders_as_a_rasa_sdk_server_would()
    {
        var context = Kefu.Tests.Actions.TestDomain.Context(Kefu.Tests.Actions.TestDomain.Tracker(), Kefu.Projects.Domain.Empty);
        var events = await new Kefu.Dialogue.Actions.InProcessAction(new Remind()).RunAsync(context, default);
        var reminder = Assert.IsType<ReminderScheduled>(events[0]);
        Assert.Equal(("still_there", "nudge", false, "DD1"), (reminder.Intent, reminder.Name, reminder.KillOnUserMessage, reminder.Entities.Single().Value));
        Assert.Equal(("old_nudge", null), (Assert.IsType<ReminderCancelled>(events[1]).Intent, ((ReminderCancelled)events[1]).Name));

        // what `kefu run actions` sends reads back as the same events
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer)) new Kefu.Sdk.ReminderScheduled("still_there", reminder.TriggerAt, Name: "nudge").WriteTo(w);
        var wire = Assert.IsType<ReminderScheduled>(RasaEventJson.FromJson(JsonDocument.Parse(buffer.ToArray()).RootElement));
        Assert.Equal((reminder.TriggerAt, "nudge", true), (wire.TriggerAt, wire.Name, wire.KillOnUserMessage));
    }
}

public class ReminderClockTests
{
    [Fact]
    public async Task Fires_each_reminder_when_it_is_due_in_time_order_and_stops_when_cancelled()
    {
        using var clock = new ReminderClock();
        var now = DateTimeOffset.UtcNow;
        var fired = new List<(string, string, DateTimeOffset)>();
        var done = new TaskCompletionSource();
        using var stop = new CancellationTokenSource();
        var running = clock.RunAsync((conversation, reminder, _) =>
        {
            lock (fired)
            {
                fired.Add((conversation, reminder.Name, DateTimeOffset.UtcNow));
                if (fired.Count == 3) done.TrySetResult();
            }
            return Task.CompletedTask;
        }, stop.Token);

        // one that is overdue; then the later one, and a sooner one scheduled while the clock already waits for it
        clock.Schedule("c3", new ReminderScheduled("greet", now.AddMinutes(-1), [], "overdue"));
        clock.Schedule("c1", new ReminderScheduled("greet", now.AddMilliseconds(1500), [], "later"));
        clock.Stored("c2", [new SessionStarted(), new ReminderScheduled("greet", now.AddMilliseconds(500), [], "sooner")]);
        await done.Task.WaitAsync(TimeSpan.FromSeconds(20));

        Assert.Equal(["overdue", "sooner", "later"], fired.Select(f => f.Item2));
        Assert.Equal(["c3", "c2", "c1"], fired.Select(f => f.Item1));
        Assert.True(fired[1].Item3 >= now.AddMilliseconds(500) && fired[2].Item3 >= now.AddMilliseconds(1500), "fired before its time");
        Assert.Equal(0, clock.Count);

        clock.Schedule("c4", new ReminderScheduled("greet", now.AddHours(2), [], "tomorrow"));
        await stop.CancelAsync();
        await running.WaitAsync(TimeSpan.FromSeconds(20));
        Assert.Equal(1, clock.Count);
    }
}
