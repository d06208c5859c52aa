using Kefu.Dialogue;
using Kefu.Dialogue.Policies;
using Kefu.Projects;
using Kefu.Tests.Projects;

namespace Kefu.Tests.Dialogue;

public class AugmentedMemoizationTests
{
    [Fact]
    public async Task A_story_that_begins_with_an_action_matches_the_end_of_a_longer_conversation()
    {
        // "affirm" alone is ambiguous (two stories answer it differently) and no story has check_balance before
        // "ok": only the story that begins at utter_balance knows, as in Rasa's _recall_using_truncation.
        using var folder = new TempProject("kefu-truncation-",
            ("domain.yml", """
                version: "3.1"
                intents: [check_balance, affirm]
                responses:
                  utter_balance: [{text: "balance 100"}]
                  utter_ok: [{text: "ok then"}]
                  utter_hello: [{text: "hello"}]
                """),
            ("config.yml", "policies:\n  - name: AugmentedMemoizationPolicy\n    max_history: 5\n"),
            ("data/stories.yml", """
                version: "3.1"
                stories:
                  - story: balance
                    steps: [{intent: check_balance}, {action: utter_balance}]
                  - story: ok after the balance
                    steps: [{action: utter_balance}, {intent: affirm}, {action: utter_ok}]
                  - story: affirm first
                    steps: [{intent: affirm}, {action: utter_hello}]
                """));
        var agent = AgentFor(folder);

        Assert.Equal(["balance 100"], (await agent.HandleMessageAsync("c1", "/check_balance")).Select(m => m.Text));
        Assert.Equal(["ok then"], (await agent.HandleMessageAsync("c1", "/affirm")).Select(m => m.Text));
    }

    [Fact]
    public async Task A_story_that_names_no_entities_answers_a_message_with_some()
    {
        using var folder = new TempProject("kefu-entities-",
            ("domain.yml", """
                version: "3.1"
                intents: [intro_city, intro_person]
                entities: [city, person]
                responses:
                  utter_city: [{text: "a city"}]
                  utter_city_named: [{text: "that city"}]
                  utter_person: [{text: "a person"}]
                """),
            ("config.yml", "policies:\n  - name: TEDPolicy\n    max_history: 5\n"),
            ("data/stories.yml", """
                version: "3.1"
                stories:
                  - story: city
                    steps: [{intent: intro_city}, {action: utter_city}]
                  - story: person, named
                    steps: [{intent: intro_person, entities: [person]}, {action: utter_person}]
                  - story: city, named
                    steps: [{intent: intro_city, entities: [city]}, {action: utter_city_named}]
                """));
        var agent = AgentFor(folder);

        // The story with the entity wins when there is one; a message with another one still gets the plain story.
        Assert.Equal(["that city"], (await agent.HandleMessageAsync("c1", """/intro_city{"city": "洛阳"}""")).Select(m => m.Text));
        Assert.Equal(["a city"], (await agent.HandleMessageAsync("c2", """/intro_city{"person": "曹操"}""")).Select(m => m.Text));
    }

    private static DialogueAgent AgentFor(TempProject folder)
    {
        var project = RasaProject.Load(folder.Dir);
        return BotFactory.CreateAgent(project.Domain, new PayloadsOnly(), PolicyModel.Train(project), new InMemoryEventStore(), []);
    }

    private sealed class PayloadsOnly : Kefu.Nlu.IMessageParser
    {
        public Kefu.Nlu.NluParse Parse(string text) => new(text, new Kefu.Nlu.IntentPrediction("nlu_fallback", 0f), [], []);
    }
}
