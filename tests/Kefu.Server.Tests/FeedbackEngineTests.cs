using System.Net;
using Kefu.Dialogue;
using Kefu.Dialogue.Policies;
using Kefu.Dialogue.Tracking;
using Kefu.Nlu;
using Kefu.Projects;

namespace Kefu.Server.Tests;

/// <summary>The feedback routes over the real dialogue engine (DialogueAgent), with the message index the poll gives.</summary>
public class FeedbackEngineTests
{
    private static string Route(string sender, string what) => $"/webhooks/rest/conversations/{sender}/{what}";

    [Fact]
    public async Task The_engine_stores_a_vote_on_the_polled_message_and_the_dialogue_goes_on()
    {
        await using var host = await TestHost.StartAsync(chat: GreeterBot.Create);
        var first = await (await host.Client.PostAsync("/webhooks/rest/webhook", Http.Json("""{"sender":"e1","message":"你好"}"""))).ReadJsonAsync();
        Assert.Equal("您好！", first[0].GetProperty("text").GetString());
        var poll = await (await host.Client.GetAsync(Route("e1", "messages"))).ReadJsonAsync();
        var index = Assert.Single(poll.GetProperty("messages").EnumerateArray()).GetProperty("index").GetInt32();

        var vote = await host.Client.PostAsync(Route("e1", "feedback"), Http.Json($$"""{"index":{{index}},"value":"down"}"""));
        Assert.True((await vote.ReadJsonAsync()).GetProperty("stored").GetBoolean());
        var again = await host.Client.PostAsync(Route("e1", "feedback"), Http.Json($$"""{"index":{{index}},"value":"down"}"""));
        Assert.False((await again.ReadJsonAsync()).GetProperty("stored").GetBoolean());
        var notBot = await host.Client.PostAsync(Route("e1", "feedback"), Http.Json($$"""{"index":{{index - 1}},"value":"up"}"""));
        Assert.Equal(HttpStatusCode.BadRequest, notBot.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await host.Client.PostAsync(Route("e1", "rating"), Http.Json("""{"stars":3}"""))).StatusCode);

        var next = await (await host.Client.PostAsync("/webhooks/rest/webhook", Http.Json("""{"sender":"e1","message":"再见"}"""))).ReadJsonAsync();
        Assert.Equal("再见！", next[0].GetProperty("text").GetString());
        var events = (await host.Store.LoadAsync("e1")).Select(RasaEventJson.FromStored).ToList();
        Assert.Equal(new MessageFeedback(index, Up: false) { Timestamp = default }, events.OfType<MessageFeedback>().Single() with { Timestamp = default });
        Assert.Equal(3, events.OfType<ConversationRated>().Single().Stars);
        Assert.IsType<BotUttered>(events[index]);
    }

    /// <summary>The real dialogue engine: utter_greet or utter_goodbye after each user message, by keyword.</summary>
    private static class GreeterBot
    {
        public static IChatService Create(IEventStore store)
        {
            var project = Directory.CreateTempSubdirectory("kefu-feedback-");
            try
            {
                File.WriteAllText(Path.Combine(project.FullName, "domain.yml"), """
                    version: "3.1"
                    intents: [greet, goodbye]
                    responses:
                      utter_greet:
                      - text: 您好！
                      utter_goodbye:
                      - text: 再见！
                    """);
                var domain = RasaProject.Load(project.FullName).Domain;
                return new DialogueAgent(new Bot(domain, new KeywordParser(), new PolicyEnsemble([new AnswerTheIntent()])),
                    store, BotFactory.CreateActions(domain, []));
            }
            finally
            {
                project.Delete(recursive: true);
            }
        }

        private sealed class KeywordParser : IMessageParser
        {
            public NluParse Parse(string text)
            {
                var intent = new IntentPrediction(text.Contains("再见", StringComparison.Ordinal) ? "goodbye" : "greet", 1f);
                return new NluParse(text, intent, [intent], []);
            }
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
