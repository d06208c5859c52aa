using Kefu.Dialogue.Policies;
using Kefu.Dialogue.Testing;
using Kefu.Nlu;
using Kefu.Projects;
using Kefu.Tests.Projects;

namespace Kefu.Tests.Dialogue;

/// <summary>Test stories check the entities the NLU finds, as Rasa's story evaluation does: span, type and value.</summary>
public class StoryTesterEntityTests
{
    private sealed class FixedNlu(params EntitySpan[] entities) : IMessageParser
    {
        public NluParse Parse(string text) =>
            new(text, new IntentPrediction("inform_order_id", 1f), [new IntentPrediction("inform_order_id", 1f)], entities);
    }

    [Fact]
    public void A_wrong_or_missing_entity_fails_the_story()
    {
        using var folder = new TempProject("kefu-story-entities-",
            ("domain.yml", TinyShop.Domain), ("config.yml", TinyShop.Config), ("data/rules.yml", TinyShop.Rules),
            ("tests/test_stories.yml", """
                version: "3.1"
                stories:
                  - story: an order number
                    steps:
                      - user: 订单号[DD20240101123](order_id)
                        intent: inform_order_id
                """));
        var project = RasaProject.Load(folder.Dir);
        var policies = PolicyModel.Train(project).ToEnsemble();
        StoryResult Run(IMessageParser nlu) => Assert.Single(StoryTester.Run(project.TestStories, project.Domain, policies, nlu).Stories);

        Assert.True(Run(new FixedNlu(new EntitySpan(3, 16, "order_id", "DD20240101123"))).Passed);
        Assert.Contains("expected entities [DD20240101123@3(order_id=DD20240101123)]", Run(new FixedNlu()).FirstFailure);
        Assert.Contains("found [DD20240101123@3(order_id=DD1)]", Run(new FixedNlu(new EntitySpan(3, 16, "order_id", "DD1"))).FirstFailure);
    }
}
