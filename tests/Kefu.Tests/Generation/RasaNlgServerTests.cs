using System.Text.Json;
using Kefu.Generation.CausalLm;
using Kefu.Generation.Nlg;
using Kefu.Projects;

namespace Kefu.Tests.Generation;

/// <summary>The response rewriter's guardrails and Rasa's NLG protocol, with a tiny GPT-2 fine-tuned to answer the test pairs.</summary>
public class RasaNlgServerTests
{
    private static readonly Lazy<TextGenerationModel> Tuned = new(() =>
    {
        var lm = TextGenerationModel.Load(CausalLmFixture.PathOf("tiny-gpt2"), trainable: true);
        CausalLmFineTuner.Train(lm, CausalLmFineTuningTests.Pairs(), null,
            new GenerationFineTuneOptions(Epochs: 25, BatchSize: 4, LearningRate: 3e-3f, WarmupRatio: 0f, Schedule: Kefu.Nlu.Pretrained.LearningRateSchedule.Constant));
        return lm;
    });

    internal static ResponseRewriter Rewriter(RewriteGuardrails guardrails, string promptFormat = "{user}") =>
        new(Tuned.Value, new GenerationOptions { MaxNewTokens = 24 }, guardrails, chat: false, promptFormat);

    [CausalLmFixtureFact]
    public void The_rewrite_is_kept_only_when_it_passes_every_guardrail()
    {
        const string template = "模板回复";
        var lenient = Rewriter(new RewriteGuardrails(MinMeanLogProbability: -1000)).Rewrite(template, "可以退货吗？");
        Assert.Equal(RewriteOutcome.Rewritten, lenient.Outcome);
        Assert.Equal("可以，七天内无理由退货。", lenient.Text);
        Assert.True(lenient.MeanLogProbability is < 0 and > -5, $"{lenient.MeanLogProbability}");

        var banned = Rewriter(new RewriteGuardrails(BannedPhrases: ["无理由"], MinMeanLogProbability: -1000)).Rewrite(template, "可以退货吗？");
        Assert.Equal((template, RewriteOutcome.BannedKeptTemplate), (banned.Text, banned.Outcome));
        Assert.Equal(lenient.Text, banned.Candidate);
        var tooLong = Rewriter(new RewriteGuardrails(MaxLength: 5, MinMeanLogProbability: -1000)).Rewrite(template, "可以退货吗？");
        Assert.Equal((template, RewriteOutcome.TooLongKeptTemplate), (tooLong.Text, tooLong.Outcome));
        // above the candidate's own likelihood: the template stays
        var strict = Rewriter(new RewriteGuardrails(MinMeanLogProbability: lenient.MeanLogProbability + 1e-6)).Rewrite(template, "可以退货吗？");
        Assert.Equal((template, RewriteOutcome.UnlikelyKeptTemplate), (strict.Text, strict.Outcome));
    }

    [CausalLmFixtureFact]
    public void Mean_log_probability_is_that_of_the_model()
    {
        var lm = TextGenerationModel.Load(CausalLmFixture.PathOf("tiny-gpt2"));
        int[] prompt = [1356, 262], continuation = [1734];
        var g = new Kefu.Numerics.Autograd.Graph(recordTape: false);
        var row = lm.Model.Logits(g, prompt, null, 1, 2).Row(1).ToArray();
        double z = row.Sum(v => Math.Exp(v));
        Assert.Equal(row[1734] - Math.Log(z), ResponseRewriter.MeanLogProbability(lm.Model, prompt, continuation), 1e-5);
        Assert.Equal(double.NegativeInfinity, ResponseRewriter.MeanLogProbability(lm.Model, prompt, []));
    }

    [CausalLmFixtureFact]
    public void Nlg_requests_fill_the_template_and_rewrite_it_in_the_latest_messages_context()
    {
        string dir = Path.Combine(Path.GetTempPath(), "kefu-nlg-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        try
        {
            File.WriteAllText(Path.Combine(dir, "domain.yml"), "version: \"3.1\"\nintents: [greet]\nslots:\n  name:\n    type: text\n    mappings: []\nresponses:\n  utter_greet:\n  - text: \"{name}您好\"\n    buttons:\n    - title: 退货\n      payload: /return\n");
            var domain = RasaProject.Load(dir).Domain;
            var server = new RasaNlgServer(domain, Rewriter(new RewriteGuardrails(BannedPhrases: ["无理由"], MinMeanLogProbability: -1000)));
            JsonElement Body(string user) => JsonDocument.Parse(JsonSerializer.Serialize(new
            {
                response = "utter_greet",
                arguments = new { },
                tracker = new { slots = new { name = "王先生" }, latest_message = new { text = user } },
                channel = new { name = "rest" },
            })).RootElement;
            var rewritten = server.Respond(Body("发票怎么开？"));
            Assert.Equal("请在订单详情页申请发票。", rewritten.Text);
            Assert.Equal("rewritten", rewritten.Outcome);
            Assert.Equal("/return", Assert.Single(rewritten.Buttons).Payload);
            var kept = server.Respond(Body("可以退货吗？"));
            Assert.Equal(("王先生您好", "template: banned phrase"), (kept.Text, kept.Outcome));
            Assert.Throws<ArgumentException>(() => server.Respond(JsonDocument.Parse("{\"response\": \"utter_nothing\"}").RootElement));
            Assert.Throws<ArgumentException>(() => server.Respond(JsonDocument.Parse("[1]").RootElement));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void Endpoints_nlg_section_reads_the_local_generator_and_refuses_unknown_keys()
    {
        var config = LocalNlgConfig.Parse("nlg:\n  model: org/reply\n  chat: true\n  max_length: 80\n  banned_phrases: [保证, 承诺]\n  min_log_prob: -3\n", "endpoints.yml", "/tmp");
        Assert.NotNull(config);
        Assert.Equal(("org/reply", true, 80, -3.0), (config.Model, config.Chat, config.Guardrails.MaxLength, config.Guardrails.MinMeanLogProbability));
        Assert.Equal(["保证", "承诺"], config.Guardrails.BannedPhrases!);
        Assert.Null(LocalNlgConfig.Parse("nlg:\n  url: http://localhost:5056/nlg\n", "endpoints.yml", "/tmp"));
        var e = Assert.Throws<ProjectException>(() => LocalNlgConfig.Parse("nlg:\n  model: x\n  temperature: 2\n", "endpoints.yml", "/tmp"));
        Assert.Contains("endpoints.yml:3:3", e.Diagnostics[0].ToString());
        e = Assert.Throws<ProjectException>(() => LocalNlgConfig.Parse("nlg:\n  model: x\n  min_log_prob: 5\n", "endpoints.yml", "/tmp"));
        Assert.Contains("min_log_prob", e.Diagnostics[0].ToString());
    }
}

/// <summary>endpoints.yml `nlg: {model, rewrite_responses: true}`: the bot's own responses rewritten by the local generator.</summary>
public class LocalResponseGeneratorTests
{
    [CausalLmFixtureFact]
    public async Task The_bots_responses_are_rewritten_unless_a_guardrail_holds()
    {
        const string template = "您好，我是小客，有什么可以帮您？";
        var lenient = RasaNlgServerTests.Rewriter(new RewriteGuardrails(MinMeanLogProbability: -1000));
        var agent = Kefu.Tests.Dialogue.TinyShop.Agent(options: new Kefu.Dialogue.AgentOptions { ResponseGenerator = new LocalResponseGenerator(lenient) });
        var reply = Assert.Single(await agent.HandleMessageAsync("c1", "/greet"));
        Assert.Equal(lenient.Rewrite(template, "/greet").Text, reply.Text);
        Assert.NotEqual(template, reply.Text);
        Assert.Equal("utter_greet", reply.Response);

        var strict = RasaNlgServerTests.Rewriter(new RewriteGuardrails(MaxLength: 1, MinMeanLogProbability: -1000));
        agent = Kefu.Tests.Dialogue.TinyShop.Agent(options: new Kefu.Dialogue.AgentOptions { ResponseGenerator = new LocalResponseGenerator(strict) });
        Assert.Equal(template, Assert.Single(await agent.HandleMessageAsync("c1", "/greet")).Text);
    }
}

/// <summary>action_generate_response in a conversation: the generated reply, or utter_default when a guardrail holds.</summary>
public class GenerateResponseActionTests
{
    [CausalLmFixtureFact]
    public async Task Answers_the_latest_message_or_says_utter_default()
    {
        var domain = Kefu.Tests.Actions.TestDomain.With(Kefu.Tests.Actions.TestDomain.Response("utter_default", "抱歉，我没听懂。"));
        var tracker = Kefu.Tests.Actions.TestDomain.Tracker(new Kefu.Dialogue.Tracking.ActionExecuted(Kefu.Dialogue.Actions.ActionNames.Listen),
            Kefu.Tests.Actions.TestDomain.User("发票怎么开？", "nlu_fallback", 0.2f));
        var context = Kefu.Tests.Actions.TestDomain.Context(tracker, domain);
        var lenient = new GenerateResponseAction(RasaNlgServerTests.Rewriter(new RewriteGuardrails(MinMeanLogProbability: -1000)));
        var said = Assert.IsType<Kefu.Dialogue.Tracking.BotUttered>(Assert.Single(await lenient.RunAsync(context, default)));
        Assert.Equal("请在订单详情页申请发票。", said.Message.Text);
        var strict = new GenerateResponseAction(RasaNlgServerTests.Rewriter(new RewriteGuardrails(BannedPhrases: ["发票"], MinMeanLogProbability: -1000)));
        said = Assert.IsType<Kefu.Dialogue.Tracking.BotUttered>(Assert.Single(await strict.RunAsync(context, default)));
        Assert.Equal("抱歉，我没听懂。", said.Message.Text);
        // retrieved passages fill {passages}: here the "passage" is a question the model learned to answer
        string? asked = null;
        var grounded = new GenerateResponseAction(RasaNlgServerTests.Rewriter(new RewriteGuardrails(MinMeanLogProbability: -1000), "{passages}"),
            message => (asked = message) is not null ? "可以退货吗？" : null);
        said = Assert.IsType<Kefu.Dialogue.Tracking.BotUttered>(Assert.Single(await grounded.RunAsync(context, default)));
        Assert.Equal("发票怎么开？", asked);
        Assert.Equal("可以，七天内无理由退货。", said.Message.Text);
    }
}
