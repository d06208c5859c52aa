using System.Text;
using System.Text.Json;
using Kefu.Sdk;

namespace Kefu.Tests.Sdk;

/// <summary>Kefu.Sdk's executor, dispatcher and form validation against Rasa's action-server JSON shapes (rasa_sdk/executor.py).</summary>
public sealed class SdkExecutorTests
{
    private sealed class Greet : CustomAction
    {
        public override string Name => "action_greet";

        public override Task<IReadOnlyList<ActionEvent>> RunAsync(CollectingDispatcher dispatcher, Kefu.Sdk.Tracker tracker, Kefu.Sdk.Domain domain)
        {
            dispatcher.UtterMessage(response: "utter_hi", kwargs: new Dictionary<string, object?> { ["name"] = tracker.GetSlotText("name") });
            dispatcher.UtterMessage(text: string.Join(",", tracker.GetLatestEntityValues("city")), buttons: [new Button("ok", "/affirm")]);
            return Done(new Kefu.Sdk.SlotSet("greeted", true), new Kefu.Sdk.FollowupAction("action_listen"));
        }
    }

    private sealed class Refuse : CustomAction
    {
        public override string Name => "action_refuse";

        public override Task<IReadOnlyList<ActionEvent>> RunAsync(CollectingDispatcher dispatcher, Kefu.Sdk.Tracker tracker, Kefu.Sdk.Domain domain) =>
            throw new ActionExecutionRejection(Name, "not now");
    }

    private sealed class ValidateCity : FormValidationAction
    {
        public override string FormName => "city_form";

        public IReadOnlyDictionary<string, object?> validate_city(JsonElement? value, CollectingDispatcher dispatcher, Kefu.Sdk.Tracker tracker, Kefu.Sdk.Domain domain)
        {
            var city = JsonValues.Text(value)?.Trim();
            if (city is "北京" or "上海") return new Dictionary<string, object?> { ["city"] = city };
            dispatcher.UtterMessage(response: "utter_bad_city");
            return new Dictionary<string, object?> { ["city"] = null };
        }
    }

    private static readonly ActionExecutor Executor = new([new Greet(), new Refuse(), new ValidateCity()]);

    private static string Request(string action, string events = "[]") => $$$"""
        {"next_action": "{{{action}}}", "sender_id": "u1", "version": "3.6.20",
         "tracker": {"sender_id": "u1", "slots": {"name": "小王", "city": null},
                     "latest_message": {"text": "去北京", "intent": {"name": "inform", "confidence": 0.9 },
                                        "entities": [{"entity": "city", "value": "北京", "start": 1, "end": 3}] },
                     "events": {{{events}}}, "active_loop": {"name": "city_form"}, "latest_action_name": "action_listen"},
         "domain": {"intents": ["inform"], "slots": {"name": {}, "city": {}}, "forms": {"city_form": {"required_slots": ["city"] } } } }
        """;

    private static async Task<(int Status, JsonElement Body)> Run(string request)
    {
        var response = await Executor.RunAsync(Encoding.UTF8.GetBytes(request));
        return (response.StatusCode, JsonDocument.Parse(response.Body).RootElement.Clone());
    }

    [Fact]
    public async Task An_action_answers_events_and_responses_in_rasa_shape()
    {
        var (status, body) = await Run(Request("action_greet"));
        Assert.Equal(200, status);
        var events = body.GetProperty("events");
        Assert.Equal("slot", events[0].GetProperty("event").GetString());
        Assert.Equal("greeted", events[0].GetProperty("name").GetString());
        Assert.True(events[0].GetProperty("value").GetBoolean());
        Assert.Equal("followup", events[1].GetProperty("event").GetString());
        var responses = body.GetProperty("responses");
        Assert.Equal("utter_hi", responses[0].GetProperty("response").GetString());
        Assert.Equal("utter_hi", responses[0].GetProperty("template").GetString());
        Assert.Equal("小王", responses[0].GetProperty("name").GetString());
        Assert.Equal("北京", responses[1].GetProperty("text").GetString());
        Assert.Equal("/affirm", responses[1].GetProperty("buttons")[0].GetProperty("payload").GetString());
    }

    [Fact]
    public async Task A_rejection_is_400_with_the_action_name_and_an_unknown_action_404()
    {
        var (status, body) = await Run(Request("action_refuse"));
        Assert.Equal(400, status);
        Assert.Equal("action_refuse", body.GetProperty("action_name").GetString());
        (status, body) = await Run(Request("action_nope"));
        Assert.Equal(404, status);
        Assert.Equal("action_nope", body.GetProperty("action_name").GetString());
        (status, _) = await Run("{not json");
        Assert.Equal(400, status);
    }

    [Fact]
    public async Task Form_validation_checks_the_slot_candidates_at_the_end_of_the_events()
    {
        const string candidates = """[{"event": "user", "text": "x"}, {"event": "slot", "name": "city", "value": " 北京 "}]""";
        var (status, body) = await Run(Request("validate_city_form", candidates));
        Assert.Equal(200, status);
        Assert.Equal("北京", body.GetProperty("events")[0].GetProperty("value").GetString());

        (_, body) = await Run(Request("validate_city_form", candidates.Replace(" 北京 ", "火星")));
        Assert.Equal(JsonValueKind.Null, body.GetProperty("events")[0].GetProperty("value").ValueKind);
        Assert.Equal("utter_bad_city", body.GetProperty("responses")[0].GetProperty("response").GetString());

        // a user message after the candidates ends them: nothing to validate
        (_, body) = await Run(Request("validate_city_form", candidates.Replace("]", """, {"event": "user", "text": "y"}]""")));
        Assert.Equal(0, body.GetProperty("events").GetArrayLength());
    }
}
