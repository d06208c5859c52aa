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
        var project = RasaProject.Load(folder.Dir);
        var agent = BotFactory.CreateAgent(project.Domain, new PayloadsOnly(), PolicyModel.Train(project), new InMemoryEventStore(), []);

        Assert.Equal(["balance 100"], (await agent.HandleMessageAsync("c1", "/check_balance")).Select(m => m.Text));
        Assert.Equal(["ok then"], (await agent.HandleMessageAsync("c1", "/affirm")).Select(m => m.Text));
    }

    private sealed class PayloadsOnly : Kefu.Nlu.IMessageParser
    {
        public Kefu.Nlu.NluParse Parse(string text) => new(text, new Kefu.Nlu.IntentPrediction("nlu_fallback", 0f), [], []);
    }
}
