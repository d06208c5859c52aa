using System.Collections.Immutable;
using System.Text.Json;
using Kefu.Dialogue;
using Kefu.Dialogue.Tracking;
using Kefu.Nlu;
using Kefu.Nlu.Features;
using Kefu.Projects;
using Kefu.Tests.Projects;
using Kefu.Training;

namespace Kefu.Tests.Nlu;

/// <summary>The bot's previous message as features of the linear intent model (LogisticRegressionClassifier's context_weight).</summary>
public class ContextFeatureTests
{
    const string AskRefund = "utter_ask_refund";
    const string AskExchange = "utter_ask_exchange";

    /// <summary>"好的" (yes) means a refund or an exchange by what the bot asked: only the context tells them apart.</summary>
    static NluTrainingData Answers(string askRefund = AskRefund, string askExchange = AskExchange)
    {
        var examples = new List<NluExample>();
        foreach (var yes in new[] { "好的", "可以", "嗯嗯好", "行", "好呀", "没问题", "好的谢谢", "可以的" })
        {
            examples.Add(new NluExample(yes, "confirm_refund", []) { Context = askRefund });
            examples.Add(new NluExample(yes, "confirm_exchange", []) { Context = askExchange });
        }
        return NluTrainingData.FromExamples(examples);
    }

    static NluConfig Config(float contextWeight) =>
        NluTestData.FastConfig() with { FallbackThreshold = 0f, Features = new SparseFeatureConfig(ContextWeight: contextWeight) };

    [Fact]
    public void The_same_words_are_read_by_what_the_bot_asked()
    {
        var model = NluTrainer.Train(Answers(), Config(1f));
        Assert.Equal("confirm_refund", model.Parse("好的", DateTimeOffset.UtcNow, AskRefund).Intent.Name);
        Assert.Equal("confirm_exchange", model.Parse("好的", DateTimeOffset.UtcNow, AskExchange).Intent.Name);
    }

    [Fact]
    public void A_bot_message_without_a_response_name_is_read_by_its_words()
    {
        var model = NluTrainer.Train(Answers("要帮您办理退款吗？", "要帮您换一件吗？"), Config(1f));
        // words of the bot's message the model never saw in a context still say which question it was
        Assert.Equal("confirm_exchange", model.Parse("行吧", DateTimeOffset.UtcNow, "尺码不合适的话要换吗？").Intent.Name);
        Assert.Equal("confirm_refund", model.Parse("行吧", DateTimeOffset.UtcNow, "这单给您退款可以吗？").Intent.Name);
    }

    [Fact]
    public void Without_a_context_weight_the_context_changes_nothing()
    {
        var model = NluTrainer.Train(Answers(), Config(0f));
        var a = model.Parse("好的", DateTimeOffset.UtcNow, AskRefund);
        var b = model.Parse("好的", DateTimeOffset.UtcNow, AskExchange);
        Assert.Equal(a.IntentRanking, b.IntentRanking);
    }

    [Fact]
    public void The_context_block_has_the_configured_norm_and_keys_of_its_own()
    {
        var config = new SparseFeatureConfig(ContextWeight: 0.5f);
        var vectorizer = SparseVectorizer.Fit(["退款", "换货"], config with { MinDocumentFrequency = 1 }, contexts: ["退款", null]);
        var scratch = new VectorizerScratch();
        int plain = vectorizer.Transform("换货", scratch);
        var plainColumns = scratch.Columns[..plain].ToHashSet();
        int n = vectorizer.Transform("换货", "退款", scratch);
        var contextColumns = scratch.Columns[plain..n];
        Assert.NotEmpty(contextColumns);
        Assert.DoesNotContain(contextColumns, plainColumns.Contains);
        // the message's text "退款" and the context "退款" are different features
        int alone = vectorizer.Transform("退款", scratch);
        Assert.DoesNotContain(contextColumns, scratch.Columns[..alone].Contains);
        vectorizer.Transform("换货", "退款", scratch);
        double norm = Math.Sqrt(scratch.Values[plain..n].Sum(v => (double)v * v));
        Assert.Equal(0.5, norm, 4);
    }

    [Fact]
    public void An_nlu_yml_example_carries_its_context_in_metadata()
    {
        using var project = TempProject.Valid(("data/nlu.yml", """
            version: "3.1"
            nlu:
            - intent: confirm_refund
              examples:
              - text: 好的
                metadata:
                  context: 要帮您办理退款吗？
              - text: 可以
            """));
        var examples = RasaProject.Load(project.Dir).Nlu.Examples.Where(e => e.Intent == "confirm_refund").ToList();
        Assert.Equal("要帮您办理退款吗？", examples.Single(e => e.Text == "好的").Context);
        Assert.Null(examples.Single(e => e.Text == "可以").Context);
    }

    [Fact]
    public void The_config_option_sets_the_weight_and_a_bad_one_is_an_error_at_its_line()
    {
        static NluConfig Of(string yml)
        {
            using var project = TempProject.Valid(("config.yml", yml));
            return ProjectTrainer.NluConfigFor(RasaProject.Load(project.Dir));
        }
        Assert.Equal(0.7f, Of("pipeline:\n  - name: LogisticRegressionClassifier\n    context_weight: 0.7\n").Features.ContextWeight);
        Assert.Equal(0f, Of("pipeline:\n  - name: LogisticRegressionClassifier\n").Features.ContextWeight);
        var e = Assert.Throws<ProjectException>(() => Of("pipeline:\n  - name: LogisticRegressionClassifier\n    context_weight: -1\n"));
        Assert.Equal(3, e.Diagnostics[0].Location.Line);
    }

    [Fact]
    public void The_conversation_gives_the_bots_last_response_or_its_text()
    {
        var slots = ImmutableDictionary<string, JsonElement?>.Empty;
        Assert.Null(DialogueAgent.PreviousBotMessage(Tracker.Create("c", slots)));
        var tracker = Tracker.Create("c", slots, [
            new BotUttered(new BotMessage("您好"), "utter_greet"),
            new UserUttered("我要退货", null, null),
            new BotUttered(new BotMessage("要帮您办理退款吗？"), "utter_ask_refund"),
            new ActionExecuted("action_listen"),
        ]);
        Assert.Equal(AskRefund, DialogueAgent.PreviousBotMessage(tracker));
        Assert.Equal("人工客服为您服务", DialogueAgent.PreviousBotMessage(tracker.Append(new BotUttered(new BotMessage("人工客服为您服务")))));
    }
}
