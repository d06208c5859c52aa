using Kefu.Dialogue;
using Kefu.Dialogue.Policies;
using Kefu.Dialogue.Tracking;
using Kefu.Nlu;
using Kefu.Projects;
using Kefu.Tests.Nlu;
using Kefu.Tests.Projects;

namespace Kefu.Tests.Dialogue;

/// <summary>Rasa's retrieval intents: `faq/ask_price` examples, one rule `faq -> utter_faq`, a response per sub-intent.</summary>
public class RetrievalIntentTests
{
    private static TempProject Faq() => new("kefu-retrieval-",
        ("domain.yml", """
            version: "3.1"
            intents: [greet, faq]
            responses:
              utter_greet: [{text: 您好}]
              utter_faq/ask_price: [{text: 价格以页面为准}]
              utter_faq/ask_delivery: [{text: 一般两天送达}]
            """),
        ("config.yml", "language: zh\npipeline:\n  - name: ResponseSelector\npolicies:\n  - name: RulePolicy\n"),
        ("data/nlu.yml", """
            version: "3.1"
            nlu:
              - intent: greet
                examples: |
                  - 你好
                  - 您好
                  - 在吗
              - intent: faq/ask_price
                examples: |
                  - 多少钱
                  - 价格是多少
                  - 这个怎么卖
              - intent: faq/ask_delivery
                examples: |
                  - 几天能到
                  - 什么时候送到
                  - 多久到货
            """),
        ("data/rules.yml", """
            version: "3.1"
            rules:
              - rule: faq
                steps: [{intent: faq}, {action: utter_faq}]
              - rule: greet
                steps: [{intent: greet}, {action: utter_greet}]
            """));

    [Fact]
    public void The_nlu_answers_the_base_intent_and_the_full_one_beside_it()
    {
        var data = NluTrainingData.FromExamples([
            new("多少钱", "faq/ask_price", []), new("价格是多少", "faq/ask_price", []), new("这个怎么卖", "faq/ask_price", []),
            new("几天能到", "faq/ask_delivery", []), new("什么时候送到", "faq/ask_delivery", []), new("多久到货", "faq/ask_delivery", []),
            new("你好", "greet", []), new("您好", "greet", []), new("在吗", "greet", [])]);
        var model = NluTrainer.Train(data, NluTestData.FastConfig() with { FallbackThreshold = 0f });

        var parse = model.Parse("多少钱");
        Assert.Equal("faq", parse.Intent.Name);
        Assert.Equal("faq/ask_price", parse.Retrieval?.Name);
        Assert.Equal(["faq", "greet"], parse.IntentRanking.Select(i => i.Name).Order());
        // The full intent's confidence is its share of the base intent's: the best of two has at least half.
        Assert.InRange(parse.Retrieval!.Value.Confidence, 0.5f, 1f);
        Assert.Null(model.Parse("您好").Retrieval);
    }

    [Fact]
    public async Task The_retrieval_action_says_the_response_of_the_full_intent()
    {
        using var folder = Faq();
        var project = RasaProject.Load(folder.Dir);
        var nlu = NluTrainer.Train(project.Nlu, NluTestData.FastConfig() with { FallbackThreshold = 0f });
        var agent = BotFactory.CreateAgent(project.Domain, nlu, PolicyModel.Train(project), new InMemoryEventStore(), []);

        Assert.Equal(["价格以页面为准"], (await agent.HandleMessageAsync("c1", "多少钱")).Select(m => m.Text));
        Assert.Equal(["一般两天送达"], (await agent.HandleMessageAsync("c1", "/faq/ask_delivery")).Select(m => m.Text));
        Assert.Equal(["您好"], (await agent.HandleMessageAsync("c1", "你好")).Select(m => m.Text));
    }

    [Fact]
    public void The_full_intent_is_stored_as_rasa_stores_it()
    {
        var parse = NluParse.Named("几天能到", new IntentPrediction("faq/ask_delivery", 0.9f), []);
        var stored = RasaEventJson.ToStored(new UserUttered("几天能到", parse));
        Assert.Contains("\"intent_response_key\":\"faq/ask_delivery\"", stored.Json);

        var replayed = Assert.IsType<UserUttered>(RasaEventJson.FromStored(stored));
        Assert.Equal("faq", replayed.Parse!.Intent.Name);
        Assert.Equal(new IntentPrediction("faq/ask_delivery", 0.9f), replayed.Parse.Retrieval);
    }
}
