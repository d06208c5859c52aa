using System.Net;
using System.Text.Json;
using Kefu.Dialogue;
using Kefu.Dialogue.Policies;
using Kefu.Dialogue.Tracking;
using Kefu.Nlu;
using Kefu.Projects;
using Kefu.Server.Tests.Fakes;

namespace Kefu.Server.Tests;

/// <summary>
/// The rest of Rasa's conversation API (rasa/server.py): tracker/events (POST appends, PUT replaces), trigger_intent,
/// execute, predict and story, in Rasa's shapes, against the real dialogue engine.
/// </summary>
public class RasaApiConversationTests
{
    private static List<string> EventNames(JsonElement tracker) =>
        tracker.GetProperty("events").EnumerateArray().Select(e => e.GetProperty("event").GetString() ?? "").ToList();

    private static Task<HttpResponseMessage> Webhook(TestHost host, string sender, string message) =>
        host.Client.PostAsync("/webhooks/rest/webhook", Http.Json(JsonSerializer.Serialize(new { sender, message })));

    [Fact]
    public async Task Appended_events_reach_the_engine_and_the_store_alike()
    {
        await using var host = await TestHost.StartAsync(chat: GreeterBot.Create);

        var response = await host.Client.PostAsync("/conversations/a1/tracker/events",
            Http.Json("""{"event":"slot","name":"city","value":"北京"}"""));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var tracker = await response.ReadJsonAsync();
        // A new conversation starts its session first (Rasa's fetch_tracker_with_initial_session), then the event.
        Assert.Equal(["action", "session_started", "action", "slot"], EventNames(tracker));
        Assert.Equal("北京", tracker.GetProperty("slots").GetProperty("city").GetString());
        Assert.Equal(EventNames(tracker), (await host.Store.LoadAsync("a1")).Select(e => e.Type));

        // The engine's tracker in memory has the slot: the next turn runs on it and keeps it.
        await Webhook(host, "a1", "你好");
        var after = await (await host.Client.GetAsync("/conversations/a1/tracker")).ReadJsonAsync();
        Assert.Equal("北京", after.GetProperty("slots").GetProperty("city").GetString());
        Assert.Equal(EventNames(after), (await host.Store.LoadAsync("a1")).Select(e => e.Type));
    }

    [Fact]
    public async Task An_array_of_events_is_appended_in_order_and_include_events_applies()
    {
        await using var host = await TestHost.StartAsync(chat: GreeterBot.Create);
        await Webhook(host, "a2", "你好");

        var response = await host.Client.PostAsync("/conversations/a2/tracker/events?include_events=NONE", Http.Json("""
            [{"event":"slot","name":"city","value":"上海"},{"event":"bot","text":"稍等","timestamp":1795340582.5}]
            """));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var tracker = await response.ReadJsonAsync();
        Assert.Equal(JsonValueKind.Null, tracker.GetProperty("events").ValueKind);
        Assert.Equal("上海", tracker.GetProperty("slots").GetProperty("city").GetString());
        var stored = (await host.Store.LoadAsync("a2")).TakeLast(2).ToList();
        Assert.Equal(["slot", "bot"], stored.Select(e => e.Type));
        Assert.Equal(1795340582.5, stored[1].Timestamp.ToUnixTimeMilliseconds() / 1000.0);
    }

    [Theory]
    [InlineData("""[{"event":"slot","name":"city","value":"x"},{"event":"nope"}]""", "events[1]: unknown event type \"nope\"")]
    [InlineData("""[{"event":"action"}]""", "events[0]: event \"action\" needs a string \"name\"")]
    [InlineData("""[{"name":"x"}]""", "events[0]: an event must be a JSON object with a string \"event\" field")]
    [InlineData("\"slot\"", "the request body is a JSON string; expected an event object or an array of events")]
    [InlineData("[]", "no events to append")]
    [InlineData("""{"event":"user","text":"hi","parse_data":{"intent":{"name":"greet","confidence":"high"}}}""", "events[0].parse_data.intent.confidence must be a number from 0 to 1, got \"high\"")]
    [InlineData("""{"event":"user","text":"hi","parse_data":{"intent":{"name":"greet","confidence":1},"entities":[{"start":-5,"end":9,"entity":"x","value":"y"}]}}""", "events[0].parse_data.entities[0]: start -5 and end 9 must lie within the text")]
    // valid JSON, but not text: a lone UTF-16 surrogate in a slot value or key reached the store's writer as a 500
    [InlineData("""[{"event":"slot","name":"city","value":"\ud800"}]""", "\\ud800 escape at byte 40 without its pair")]
    [InlineData("""[{"event":"slot","name":"city","value":{"\udc00x":1}}]""", "\\udc00 escape at byte 41 without its pair")]
    public async Task Bad_events_are_a_400_naming_the_event_and_nothing_is_stored(string body, string detail)
    {
        await using var host = await TestHost.StartAsync(chat: GreeterBot.Create);

        var response = await host.Client.PostAsync("/conversations/a3/tracker/events", Http.Json(body));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains(detail, (await response.ReadProblemAsync()).GetProperty("detail").GetString());
        Assert.Empty(await host.Store.LoadAsync("a3"));
    }

    [Theory]
    [InlineData("POST")]
    [InlineData("PUT")]
    public async Task A_followup_naming_an_action_the_domain_does_not_know_is_a_400_and_nothing_is_stored(string method)
    {
        await using var host = await TestHost.StartAsync(chat: GreeterBot.Create);
        await Webhook(host, "f1", "你好");
        var before = (await host.Store.LoadAsync("f1")).Count;

        var response = await host.Client.SendAsync(new HttpRequestMessage(new HttpMethod(method), "/conversations/f1/tracker/events")
        {
            Content = Http.Json("""[{"event":"slot","name":"city","value":"x"},{"event":"followup","name":"action_order_pizza"}]"""),
        });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("events[1]: the followup action \"action_order_pizza\" does not exist in the domain",
            (await response.ReadProblemAsync()).GetProperty("detail").GetString());
        Assert.Equal(before, (await host.Store.LoadAsync("f1")).Count);
        // The conversation goes on as before: the next message is answered by the policies.
        var replies = await (await Webhook(host, "f1", "再见")).ReadJsonAsync();
        Assert.Equal("再见！", replies[0].GetProperty("text").GetString());
    }

    [Fact]
    public async Task A_followup_naming_a_known_action_is_appended_and_runs_next()
    {
        await using var host = await TestHost.StartAsync(chat: GreeterBot.Create);
        await Webhook(host, "f2", "你好");

        var response = await host.Client.PostAsync("/conversations/f2/tracker/events",
            Http.Json("""{"event":"followup","name":"utter_goodbye"}"""));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("followup", (await host.Store.LoadAsync("f2"))[^1].Type);
        // The next message gets the followup's answer, not the policies' (which would greet).
        var replies = await (await Webhook(host, "f2", "你好")).ReadJsonAsync();
        Assert.Equal("再见！", replies[0].GetProperty("text").GetString());
    }

    [Theory]
    [InlineData("""{"event":"user","text":"x","parse_data":{"intent":{"name":"a","confidence":1e400},"entities":[{"entity":"e","value":1,"start":1.5}]}}""")]
    [InlineData("""{"event":"slot","name":"city","value":"x","timestamp":1e300}""")]
    [InlineData("""{"event":"action","name":"utter_greet","confidence":"high"}""")]
    [InlineData("""{"event":"user","text":"x","parse_data":{"entities":[{"entity":"e","value":1,"start":99999999999}]}}""")]
    [InlineData("""{"event":7}""")]
    [InlineData("""[[{"event":"restart"}]]""")]
    public async Task Odd_events_are_a_400_or_stored_never_a_500(string body)
    {
        await using var host = await TestHost.StartAsync(chat: GreeterBot.Create);

        var response = await host.Client.PostAsync("/conversations/odd/tracker/events", Http.Json(body));

        Assert.True(response.StatusCode is HttpStatusCode.OK or HttpStatusCode.BadRequest, $"{(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        if (response.StatusCode == HttpStatusCode.BadRequest)
            Assert.Contains("events[0]", (await response.ReadProblemAsync()).GetProperty("detail").GetString());
        // Whatever was stored reads back: the conversation still answers.
        Assert.Equal(HttpStatusCode.OK, (await host.Client.GetAsync("/conversations/odd/tracker?include_events=ALL")).StatusCode);
    }

    [Fact]
    public async Task Replacing_events_restarts_the_state_on_them_and_keeps_the_history_stored()
    {
        await using var host = await TestHost.StartAsync(chat: GreeterBot.Create);
        await Webhook(host, "r1", "你好");
        var before = (await host.Store.LoadAsync("r1")).Count;

        var response = await host.Client.PutAsync("/conversations/r1/tracker/events",
            Http.Json("""[{"event":"slot","name":"city","value":"上海"}]"""));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var tracker = await response.ReadJsonAsync();
        Assert.Equal(["session_started", "slot"], EventNames(tracker));
        Assert.Equal("上海", tracker.GetProperty("slots").GetProperty("city").GetString());
        Assert.Equal(JsonValueKind.Null, tracker.GetProperty("latest_message").ValueKind);
        var all = await (await host.Client.GetAsync("/conversations/r1/tracker?include_events=ALL")).ReadJsonAsync();
        Assert.Equal(before + 3, EventNames(all).Count);

        // The next message is answered, not taken by a pending session start.
        var replies = await (await Webhook(host, "r1", "再见")).ReadJsonAsync();
        Assert.Equal("再见！", replies[0].GetProperty("text").GetString());
    }

    [Fact]
    public async Task Replacing_the_events_of_a_new_conversation_stores_exactly_them()
    {
        await using var host = await TestHost.StartAsync(chat: GreeterBot.Create);

        var response = await host.Client.PutAsync("/conversations/r2/tracker/events", Http.Json("""
            [{"event":"action","name":"action_session_start"},{"event":"session_started"},{"event":"action","name":"action_listen"}]
            """));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(["action", "session_started", "action"], (await host.Store.LoadAsync("r2")).Select(e => e.Type));
    }

    [Fact]
    public async Task Trigger_intent_runs_a_turn_and_answers_tracker_and_messages()
    {
        await using var host = await TestHost.StartAsync(chat: GreeterBot.Create);

        var response = await host.Client.PostAsync("/conversations/t1/trigger_intent",
            Http.Json("""{"name":"greet","entities":{"city":"杭州"}}"""));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await response.ReadJsonAsync();
        var message = Assert.Single(body.GetProperty("messages").EnumerateArray());
        Assert.Equal("t1", message.GetProperty("recipient_id").GetString());
        Assert.Equal("您好！", message.GetProperty("text").GetString());
        var tracker = body.GetProperty("tracker");
        Assert.Equal("t1", tracker.GetProperty("sender_id").GetString());
        var latest = tracker.GetProperty("latest_message");
        Assert.Equal("EXTERNAL: greet", latest.GetProperty("text").GetString());
        Assert.Equal("greet", latest.GetProperty("intent").GetProperty("name").GetString());
        Assert.Equal("杭州", latest.GetProperty("entities")[0].GetProperty("value").GetString());
        // The city slot is filled from the entity, as for a message (from_entity mapping).
        Assert.Equal("杭州", tracker.GetProperty("slots").GetProperty("city").GetString());
        Assert.Contains(tracker.GetProperty("events").EnumerateArray(), e => e.GetProperty("event").GetString() == "action"
            && e.GetProperty("name").GetString() == "utter_greet");
        Assert.Equal(EventNames(tracker), (await host.Store.LoadAsync("t1")).Select(e => e.Type));
    }

    [Theory]
    [InlineData("""{"name":"order_pizza"}""", HttpStatusCode.NotFound, "the intent \"order_pizza\" does not exist in the domain")]
    [InlineData("""{"entities":{}}""", HttpStatusCode.BadRequest, "name is required")]
    [InlineData("""{"name":"greet","entities":"city"}""", HttpStatusCode.BadRequest, "entities is a JSON string")]
    [InlineData("""{"name":"greet","entities":[{"value":"x"}]}""", HttpStatusCode.BadRequest, "entities[0] needs a non-empty string \"entity\"")]
    public async Task Trigger_intent_refuses_bad_requests(string body, HttpStatusCode status, string detail)
    {
        await using var host = await TestHost.StartAsync(chat: GreeterBot.Create);

        var response = await host.Client.PostAsync("/conversations/t2/trigger_intent", Http.Json(body));

        Assert.Equal(status, response.StatusCode);
        Assert.Contains(detail, (await response.ReadProblemAsync()).GetProperty("detail").GetString());
        Assert.Empty(await host.Store.LoadAsync("t2"));
    }

    [Fact]
    public async Task Execute_runs_the_one_action_with_the_policy_given()
    {
        await using var host = await TestHost.StartAsync(chat: GreeterBot.Create);
        await Webhook(host, "e1", "你好");

        var response = await host.Client.PostAsync("/conversations/e1/execute",
            Http.Json("""{"name":"utter_goodbye","policy":"my_policy","confidence":0.8}"""));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await response.ReadJsonAsync();
        Assert.Equal("再见！", Assert.Single(body.GetProperty("messages").EnumerateArray()).GetProperty("text").GetString());
        var tracker = body.GetProperty("tracker");
        Assert.Equal("utter_goodbye", tracker.GetProperty("latest_action_name").GetString());
        var action = tracker.GetProperty("events").EnumerateArray().Last(e => e.GetProperty("event").GetString() == "action");
        Assert.Equal("my_policy", action.GetProperty("policy").GetString());
        Assert.Equal(0.8, action.GetProperty("confidence").GetDouble(), 3);
        // One action and its message; nothing predicted after it.
        Assert.Equal(["action", "bot"], (await host.Store.LoadAsync("e1")).TakeLast(2).Select(e => e.Type));
    }

    [Theory]
    [InlineData("e2", """{"name":"utter_nothing"}""", HttpStatusCode.NotFound, "the action \"utter_nothing\" does not exist in the domain")]
    [InlineData("nobody", """{"name":"utter_goodbye"}""", HttpStatusCode.NotFound, "conversation \"nobody\" has no events")]
    [InlineData("e2", """{"policy":"x"}""", HttpStatusCode.BadRequest, "name is required")]
    [InlineData("e2", """{"name":"utter_goodbye","confidence":2}""", HttpStatusCode.BadRequest, "confidence is 2; expected a number from 0 to 1")]
    public async Task Execute_refuses_bad_requests(string id, string body, HttpStatusCode status, string detail)
    {
        await using var host = await TestHost.StartAsync(chat: GreeterBot.Create);
        await Webhook(host, "e2", "你好");
        var stored = (await host.Store.LoadAsync("e2")).Count;

        var response = await host.Client.PostAsync($"/conversations/{id}/execute", Http.Json(body));

        Assert.Equal(status, response.StatusCode);
        Assert.Contains(detail, (await response.ReadProblemAsync()).GetProperty("detail").GetString());
        Assert.Equal(stored, (await host.Store.LoadAsync("e2")).Count);
    }

    [Fact]
    public async Task Predict_scores_every_action_and_runs_none()
    {
        await using var host = await TestHost.StartAsync(chat: GreeterBot.Create);
        await host.Client.PostAsync("/conversations/p1/messages", Http.Json("""{"sender":"user","text":"你好"}"""));
        var stored = (await host.Store.LoadAsync("p1")).Count;

        var response = await host.Client.PostAsync("/conversations/p1/predict", null);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await response.ReadJsonAsync();
        var scores = body.GetProperty("scores").EnumerateArray()
            .Select(s => (s.GetProperty("action").GetString(), s.GetProperty("score").GetDouble())).ToList();
        Assert.Equal(("utter_greet", 1.0), scores[0]);
        Assert.Contains(("utter_goodbye", 0.0), scores);
        Assert.Contains(("action_listen", 0.0), scores);
        Assert.Equal("answer_the_intent", body.GetProperty("policy").GetString());
        Assert.Equal(1.0, body.GetProperty("confidence").GetDouble());
        Assert.Equal("p1", body.GetProperty("tracker").GetProperty("sender_id").GetString());
        Assert.Equal(stored, (await host.Store.LoadAsync("p1")).Count);
    }

    [Fact]
    public async Task Predict_and_story_of_an_unknown_conversation_are_404()
    {
        await using var host = await TestHost.StartAsync(chat: GreeterBot.Create);

        Assert.Equal(HttpStatusCode.NotFound, (await host.Client.PostAsync("/conversations/nobody/predict", null)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await host.Client.GetAsync("/conversations/nobody/story")).StatusCode);
    }

    [Fact]
    public async Task Story_is_the_conversation_as_a_Rasa_test_story()
    {
        await using var host = await TestHost.StartAsync(chat: GreeterBot.Create);
        await Webhook(host, "s1", "你好");
        await host.Client.PostAsync("/conversations/s1/tracker/events", Http.Json("""{"event":"slot","name":"city","value":"北京"}"""));
        await Webhook(host, "s1", "再见");

        var response = await host.Client.GetAsync("/conversations/s1/story");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/yaml", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("""
            version: "3.1"
            stories:
            - story: s1
              steps:
              - intent: greet
                user: |-
                  你好
              - action: utter_greet
              - slot_was_set:
                - city: "北京"
              - intent: goodbye
                user: |-
                  再见
              - action: utter_goodbye

            """.ReplaceLineEndings("\n"), (await response.Content.ReadAsStringAsync()).ReplaceLineEndings("\n"));

        Assert.Equal(HttpStatusCode.BadRequest, (await host.Client.GetAsync("/conversations/s1/story?all_sessions=maybe")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await host.Client.GetAsync("/conversations/s1/story?until=soon")).StatusCode);
    }

    [Fact]
    public async Task The_routes_want_the_token()
    {
        await using var host = await TestHost.StartAsync(token: "s3cret", chat: GreeterBot.Create);

        foreach (var (method, path) in new[] { ("POST", "tracker/events"), ("PUT", "tracker/events"), ("POST", "trigger_intent"),
                     ("POST", "execute"), ("POST", "predict"), ("GET", "story") })
        {
            var request = new HttpRequestMessage(new HttpMethod(method), "/conversations/c/" + path)
            {
                Content = method == "GET" ? null : Http.Json("{}"),
            };
            Assert.Equal(HttpStatusCode.Unauthorized, (await host.Client.SendAsync(request)).StatusCode);
        }
        var allowed = await host.AuthorizedClient("s3cret").PostAsync("/conversations/c/trigger_intent", Http.Json("""{"name":"greet"}"""));
        Assert.Equal(HttpStatusCode.OK, allowed.StatusCode);
    }

    [Fact]
    public async Task The_routes_reach_the_engine_through_the_engine_switch_kefu_serve_registers()
    {
        await using var host = await TestHost.StartAsync(chat: store => Switched(GreeterBot.Create(store)));

        var triggered = await host.Client.PostAsync("/conversations/d1/trigger_intent", Http.Json("""{"name":"goodbye"}"""));
        Assert.Equal("再见！", (await triggered.ReadJsonAsync()).GetProperty("messages")[0].GetProperty("text").GetString());
        await host.Client.PostAsync("/conversations/d1/tracker/events", Http.Json("""{"event":"slot","name":"city","value":"北京"}"""));
        var predicted = await (await host.Client.PostAsync("/conversations/d1/predict", null)).ReadJsonAsync();
        Assert.Equal("北京", predicted.GetProperty("tracker").GetProperty("slots").GetProperty("city").GetString());
        Assert.Equal(HttpStatusCode.OK, (await host.Client.GetAsync("/domain")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await host.Client.GetAsync("/conversations/d1/story")).StatusCode);
    }

    private static EngineSwitch Switched(IChatService engine)
    {
        var engines = new EngineSwitch();
        engines.Swap(engine);
        return engines;
    }
}
