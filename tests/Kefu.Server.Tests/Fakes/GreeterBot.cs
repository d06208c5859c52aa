using Kefu.Dialogue;
using Kefu.Dialogue.Policies;
using Kefu.Dialogue.Tracking;
using Kefu.Nlu;
using Kefu.Projects;

namespace Kefu.Server.Tests.Fakes;

/// <summary>The real dialogue engine: utter_greet or utter_goodbye after each user message, by keyword; a city slot from the city entity.</summary>
public static class GreeterBot
{
    public static IChatService Create(IEventStore store) => Create(store, null);

    public static IChatService Create(IEventStore store, AgentOptions? options)
    {
        var project = Directory.CreateTempSubdirectory("kefu-greeter-");
        try
        {
            File.WriteAllText(Path.Combine(project.FullName, "domain.yml"), """
                version: "3.1"
                intents: [greet, goodbye]
                entities: [city]
                slots:
                  city:
                    type: text
                    mappings:
                    - type: from_entity
                      entity: city
                responses:
                  utter_greet:
                  - text: 您好！
                  utter_goodbye:
                  - text: 再见！
                """);
            var domain = RasaProject.Load(project.FullName).Domain;
            return new DialogueAgent(new Bot(domain, new KeywordParser(), new PolicyEnsemble([new AnswerTheIntent()])),
                store, BotFactory.CreateActions(domain, []), options);
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
