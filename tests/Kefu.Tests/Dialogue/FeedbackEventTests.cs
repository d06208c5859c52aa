using System.Text.Json;
using Kefu.Dialogue;
using Kefu.Dialogue.Tracking;

namespace Kefu.Tests.Dialogue;

/// <summary>Customer feedback as events: "feedback" (thumbs on a bot message) and "rating" (stars for the conversation).</summary>
public class FeedbackEventTests
{
    private static JsonElement Json(string text) => JsonDocument.Parse(text).RootElement.Clone();

    [Fact]
    public void Feedback_events_are_written_in_their_json_shape_and_read_back_equal()
    {
        var at = new DateTimeOffset(2026, 12, 6, 3, 0, 0, 250, TimeSpan.Zero);
        DialogueEvent[] events = [new MessageFeedback(5, Up: true) { Timestamp = at }, new MessageFeedback(0, Up: false) { Timestamp = at },
            new ConversationRated(1) { Timestamp = at }, new ConversationRated(5, "客服很耐心 \"5星\"") { Timestamp = at }];

        var json = events.Select(e => RasaEventJson.ToJsonString(w => RasaEventJson.Write(w, e))).ToList();

        Assert.Equal("""{"event":"feedback","timestamp":1796526000.25,"message_index":5,"value":"up"}""", json[0]);
        Assert.Equal("""{"event":"rating","timestamp":1796526000.25,"stars":1}""", json[2]);
        Assert.Equal("""{"event":"rating","timestamp":1796526000.25,"stars":5,"comment":"客服很耐心 \"5星\""}""", json[3]);
        Assert.Equal(events, json.Select(j => RasaEventJson.FromJson(Json(j))));
        Assert.Equal(events, events.Select(RasaEventJson.ToStored).Select(RasaEventJson.FromStored));
    }

    [Theory]
    [InlineData("""{"event":"feedback","message_index":1}""", "\"value\": \"up\" or \"down\"")]
    [InlineData("""{"event":"feedback","message_index":1,"value":"meh"}""", "\"value\": \"up\" or \"down\"")]
    [InlineData("""{"event":"feedback","value":"up"}""", "\"message_index\", a whole number from 0")]
    [InlineData("""{"event":"feedback","message_index":-1,"value":"up"}""", "\"message_index\", a whole number from 0")]
    [InlineData("""{"event":"feedback","message_index":1.5,"value":"up"}""", "\"message_index\", a whole number from 0")]
    [InlineData("""{"event":"feedback","message_index":"1","value":"up"}""", "\"message_index\", a whole number from 0")]
    [InlineData("""{"event":"rating"}""", "\"stars\", a whole number from 1 to 5")]
    [InlineData("""{"event":"rating","stars":0}""", "\"stars\", a whole number from 1 to 5")]
    [InlineData("""{"event":"rating","stars":6}""", "\"stars\", a whole number from 1 to 5")]
    public void A_malformed_feedback_event_is_a_format_error_naming_the_field(string json, string expected)
    {
        var error = Assert.Throws<FormatException>(() => RasaEventJson.FromJson(Json(json)));
        Assert.Contains(expected, error.Message);
    }

    [Fact]
    public async Task The_engine_stores_a_vote_on_a_bot_message_once_and_a_changed_vote_again()
    {
        var store = new InMemoryEventStore();
        var agent = TinyShop.Agent(store);
        new Chat(agent, "c-fb").Send("/greet").Expect("您好");
        var types = (await store.LoadAsync("c-fb")).Select(e => e.Type).ToList();
        int bot = types.IndexOf("bot"), user = types.IndexOf("user");

        Assert.Equal(FeedbackOutcome.UnknownConversation, await agent.RecordFeedbackAsync("nobody", new MessageFeedback(0, true)));
        Assert.Equal(FeedbackOutcome.UnknownConversation, await agent.RecordFeedbackAsync("nobody", new ConversationRated(3)));
        Assert.Equal(FeedbackOutcome.NotBotMessage, await agent.RecordFeedbackAsync("c-fb", new MessageFeedback(user, true)));
        Assert.Equal(FeedbackOutcome.UnknownMessage, await agent.RecordFeedbackAsync("c-fb", new MessageFeedback(types.Count, true)));
        Assert.Equal(types, (await store.LoadAsync("c-fb")).Select(e => e.Type));

        Assert.Equal(FeedbackOutcome.Stored, await agent.RecordFeedbackAsync("c-fb", new MessageFeedback(bot, true)));
        Assert.Equal(FeedbackOutcome.Unchanged, await agent.RecordFeedbackAsync("c-fb", new MessageFeedback(bot, true)));
        Assert.Equal(FeedbackOutcome.Stored, await agent.RecordFeedbackAsync("c-fb", new ConversationRated(4, "好")));
        // A restarted server (a new agent over the same store) knows the latest vote and rating.
        var restarted = TinyShop.Agent(store);
        Assert.Equal(FeedbackOutcome.Unchanged, await restarted.RecordFeedbackAsync("c-fb", new MessageFeedback(bot, true)));
        Assert.Equal(FeedbackOutcome.Unchanged, await restarted.RecordFeedbackAsync("c-fb", new ConversationRated(4, "好")));
        Assert.Equal(FeedbackOutcome.Stored, await restarted.RecordFeedbackAsync("c-fb", new MessageFeedback(bot, false)));

        var stored = (await store.LoadAsync("c-fb")).Select(RasaEventJson.FromStored).ToList();
        Assert.Equal([new MessageFeedback(bot, true) { Timestamp = default }, new ConversationRated(4, "好") { Timestamp = default },
                new MessageFeedback(bot, false) { Timestamp = default }],
            stored.Skip(types.Count).Select(e => e with { Timestamp = default }));
        var tracker = await restarted.GetTrackerAsync("c-fb");
        Assert.Equal(["feedback", "rating", "feedback"],
            tracker.GetProperty("events").EnumerateArray().Skip(types.Count).Select(e => e.GetProperty("event").GetString()));
    }

    [Fact]
    public async Task Feedback_in_the_middle_of_a_form_changes_no_prediction()
    {
        var plainStore = new InMemoryEventStore();
        var ratedStore = new InMemoryEventStore();
        var plain = new Chat(TinyShop.Agent(plainStore), "c");
        var ratedAgent = TinyShop.Agent(ratedStore);
        var rated = new Chat(ratedAgent, "c");

        foreach (var message in new[] { "/greet", "/return_refund", """/inform_order_id{"order_id":"DD20240101123"}""", """/inform_reason{"reason":"坏了"}""", "/goodbye" })
        {
            plain.Send(message);
            rated.Send(message);
            Assert.Equal(plain.Replies, rated.Replies);
            // thumbs on every bot message so far and a rating, between every two turns (a form is active after the second)
            var events = await ratedStore.LoadAsync("c");
            for (int i = 0; i < events.Count; i++)
                if (events[i].Type == "bot")
                    await ratedAgent.RecordFeedbackAsync("c", new MessageFeedback(i, i % 2 == 0));
            await ratedAgent.RecordFeedbackAsync("c", new ConversationRated(events.Count % 5 + 1));
        }

        // The same actions with the same policies and confidences; the rated conversation has only feedback besides.
        static List<string> Actions(IEnumerable<StoredEvent> events) =>
            [.. events.Where(e => e.Type is not ("feedback" or "rating")).Select(e => RasaEventJson.FromStored(e) switch
            {
                ActionExecuted a => $"{a.Name}/{a.Policy}/{a.Confidence}",
                var other => RasaEventJson.TypeName(other),
            })];
        var ratedEvents = await ratedStore.LoadAsync("c");
        Assert.Contains(ratedEvents, e => e.Type == "feedback");
        Assert.Equal(Actions(await plainStore.LoadAsync("c")), Actions(ratedEvents));
        Assert.Contains("action_submit_return", string.Join(",", Actions(ratedEvents)));
    }

    [Fact]
    public async Task The_tracker_state_and_the_policies_ignore_feedback_events()
    {
        var agent = TinyShop.Agent();
        new Chat(agent, "c-state").Send("/return_refund");
        var tracker = Tracker.Create("c-state", agent.Bot.InitialSlots,
            (await agent.GetTrackerAsync("c-state")).GetProperty("events").EnumerateArray().Select(RasaEventJson.FromJson));
        var withFeedback = tracker.Append(new MessageFeedback(3, false)).Append(new ConversationRated(2, "慢"));

        Assert.Equal(tracker.State, withFeedback.State);
        var user = new UserUttered("""/inform_order_id{"order_id":"DD1"}""", agent.Parse("""/inform_order_id{"order_id":"DD1"}"""));
        var expected = agent.Bot.Policies.Predict(tracker.Append(user), agent.Bot.Domain);
        var actual = agent.Bot.Policies.Predict(withFeedback.Append(user), agent.Bot.Domain);
        Assert.Equal((expected.Action, expected.Confidence, expected.Policy), (actual.Action, actual.Confidence, actual.Policy));
        Assert.Equal("return_form", actual.Action);
    }
}
