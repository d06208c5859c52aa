using Kefu.Dialogue;
using Kefu.Tests.Projects;

namespace Kefu.Tests.Dialogue;

/// <summary>A bot trained with context features reads the same answer by the question it asked (docs/nlu.md).</summary>
public class ContextualNluTests
{
    const string Domain = """
        version: "3.1"
        intents: [want_return, want_exchange, confirm_refund, confirm_exchange]
        responses:
          utter_ask_refund:
            - text: 要帮您办理退款吗？
          utter_ask_exchange:
            - text: 要帮您换一件吗？
          utter_refund_done:
            - text: 已为您办理退款
          utter_exchange_done:
            - text: 已为您换货
        """;

    const string Rules = """
        version: "3.1"
        rules:
        - rule: return
          steps: [{intent: want_return}, {action: utter_ask_refund}]
        - rule: exchange
          steps: [{intent: want_exchange}, {action: utter_ask_exchange}]
        - rule: refund
          steps: [{intent: confirm_refund}, {action: utter_refund_done}]
        - rule: exchanged
          steps: [{intent: confirm_exchange}, {action: utter_exchange_done}]
        """;

    static string Answers(string intent, string context) =>
        $"- intent: {intent}\n  examples:\n" +
        string.Concat(new[] { "好的", "可以", "行", "嗯嗯", "好呀", "没问题" }.Select(t => $"  - text: {t}\n    metadata:\n      context: {context}\n"));

    [Fact]
    public void Yes_after_the_refund_question_refunds_and_after_the_exchange_question_exchanges()
    {
        string nlu = "version: \"3.1\"\nnlu:\n" +
            "- intent: want_return\n  examples: |\n    - 我要退货\n    - 这个我想退掉\n    - 退货\n" +
            "- intent: want_exchange\n  examples: |\n    - 我要换货\n    - 能换一件吗\n    - 换一个\n" +
            Answers("confirm_refund", "utter_ask_refund") + Answers("confirm_exchange", "utter_ask_exchange");
        string config = "language: zh\npipeline:\n  - name: WhitespaceTokenizer\n  - name: LogisticRegressionClassifier\n    context_weight: 1\n" +
            "policies:\n  - name: RulePolicy\n";
        using var project = new TempProject("kefu-contextual-", ("domain.yml", Domain), ("config.yml", config), ("data/rules.yml", Rules),
            ("data/stories.yml", "version: \"3.1\"\nstories: []\n"), ("data/nlu.yml", nlu));
        var bot = Kefu.Cli.BotLoader.LoadOrTrain(project.Dir, null, TextWriter.Null);
        // 好的 is an example of both intents, told apart by the context it was written with
        Assert.Equal(2, bot.Project.Nlu.Examples.Count(e => e.Text == "好的"));
        var agent = Kefu.Cli.BotLoader.CreateAgent(bot, new InMemoryEventStore());

        new Chat(agent, "refund").Send("我要退货").Expect("要帮您办理退款吗？").Send("好的").Expect("已为您办理退款");
        new Chat(agent, "exchange").Send("我要换货").Expect("要帮您换一件吗？").Send("好的").Expect("已为您换货");
    }
}
