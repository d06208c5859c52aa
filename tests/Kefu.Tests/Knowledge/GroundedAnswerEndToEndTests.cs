using System.Text.Json;
using System.Text.RegularExpressions;
using Kefu.Cli;
using Kefu.Dialogue;
using Kefu.Knowledge;
using Kefu.Tests.Generation;
using Kefu.Tests.Projects;

namespace Kefu.Tests.Knowledge;

/// <summary>
/// RAG end to end, composed as `kefu serve` composes it (BotLoader: trained model, knowledge.yml, endpoints.yml `llm:`),
/// with <see cref="FakeOpenAiServer"/> as the LLM: the prompt holds only retrieved passages within the context budget,
/// the reply cites them in custom.citations, and an LLM that is down, slow, malformed or has no answer gives the
/// fallback response. The fallback routes: a rule on nlu_fallback, and RulePolicy's core_fallback_action_name.
/// </summary>
public class GroundedAnswerEndToEndTests
{
    const string NoAnswer = "Sorry, I cannot answer that; an agent will help you.";
    static readonly string Filler = string.Concat(Enumerable.Repeat(" Details are on the card services page of the app.", 6));

    // timeoutSeconds 20 unless a test wants the timeout: under the whole suite a fresh stand-in once answered a stream after the
    // 1 s it had, and the answer became the fallback.
    static TempProject Bot(Uri llm, string rules, string config = "", double timeoutSeconds = 20, int budget = 4000) => new("kefu-rag-",
        ("domain.yml", $"""
            version: "3.1"
            intents: [greet, ask_question]
            actions: [action_llm_answer, action_kb_answer]
            responses:
              utter_greet: [{"{"}text: Hello!{"}"}]
              utter_kb_no_answer: [{"{"}text: "{NoAnswer}"{"}"}]
            """),
        ("config.yml", "language: en\npipeline:\n  - name: WhitespaceTokenizer\n  - name: CountVectorsFeaturizer\n  - name: LogisticRegressionClassifier\n" + config +
            (config.Contains("policies:") ? "" : "policies:\n  - name: RulePolicy\n")),
        ("data/nlu.yml", """
            version: "3.1"
            nlu:
              - intent: greet
                examples: |
                  - hello
                  - hi there
                  - good morning
                  - hey
              - intent: ask_question
                examples: |
                  - when will my card arrive
                  - how do I reset my pin
                  - what are your opening hours
                  - can I get a refund
                  - how much does a transfer cost
            """),
        ("data/rules.yml", "version: \"3.1\"\nrules:\n  - rule: greet\n    steps: [{intent: greet}, {action: utter_greet}]\n" + rules),
        ("knowledge.yml", $"faq: [knowledge/faq.yml]\ncontext_budget: {budget}\nthreshold: 0.35\n"),
        ("knowledge/faq.yml", $"""
            faq:
              - id: card_delivery
                questions: [When will my new card arrive?, How long does card delivery take?]
                answer: New cards arrive within 5 to 7 business days after the order.{Filler}
              - id: card_lost
                questions: [I lost my card, My card was stolen]
                answer: Freeze a lost card in the app at once and order a replacement card.{Filler}
              - id: opening_hours
                questions: [When are branches open?, What are your opening hours?]
                answer: Branches open 9:00 to 17:00 on weekdays.
            """),
        ("endpoints.yml", $"llm:\n  url: {llm}\n  model: test-model\n  timeout: {timeoutSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture)}\n"));

    const string QuestionRule = "  - rule: questions\n    steps: [{intent: ask_question}, {action: action_llm_answer}]\n";

    static DialogueAgent Agent(TempProject project, out KnowledgeService knowledge)
    {
        var bot = BotLoader.LoadOrTrain(project.Dir, null, TextWriter.Null);
        knowledge = KnowledgeService.Open(project.Dir)!;
        return BotLoader.CreateAgent(bot, new InMemoryEventStore(), knowledge: knowledge);
    }

    static async Task<BotMessage> Ask(DialogueAgent agent, string text) =>
        Assert.Single(await agent.HandleMessageAsync("customer-1", text));

    static List<string> Citations(BotMessage m) =>
        m.Custom is { } c ? c.GetProperty("citations").EnumerateArray().Select(x => x.GetProperty("id").GetString()!).ToList() : [];

    /// <summary>The passages' text in a prompt: everything between the "[n] title" lines, before "Question:".</summary>
    static List<string> PassageTexts(string prompt) =>
        Regex.Split(prompt[..prompt.LastIndexOf("Question: ", StringComparison.Ordinal)], @"(?m)^\[\d+\] [^\n]*\n").Skip(1).Select(t => t.TrimEnd('\n')).ToList();

    [Fact]
    public async Task The_llm_sees_only_retrieved_passages_within_the_budget_and_the_reply_cites_them()
    {
        using var llm = new FakeOpenAiServer(_ => new FakeLlmReply("Your new card arrives within 5 to 7 business days [1]."));
        using var project = Bot(llm.BaseUrl, QuestionRule, budget: 300);
        var agent = Agent(project, out var knowledge);
        using var _ = knowledge;

        var reply = await Ask(agent, "when will my new card arrive");
        Assert.Equal("Your new card arrives within 5 to 7 business days [1].", reply.Text);
        Assert.Equal(["knowledge/faq.yml#card_delivery"], Citations(reply));

        var prompt = Assert.Single(llm.Prompts);
        Assert.EndsWith("Question: when will my new card arrive", prompt);
        Assert.StartsWith("[1] When will my new card arrive?\nNew cards arrive within 5 to 7 business days", prompt);
        var texts = PassageTexts(prompt);
        Assert.True(texts.Sum(t => t.Length) <= 300, $"{texts.Sum(t => t.Length)} characters of passages sent");
        Assert.DoesNotContain("Branches open", prompt);
        var system = llm.Requests.Single().GetProperty("messages")[0];
        Assert.Equal(GroundedAnswerAction.Instructions, system.GetProperty("content").ToString());
    }

    [Theory]
    [InlineData("down")]
    [InlineData("slow")]
    [InlineData("malformed")]
    [InlineData("error")]
    [InlineData("no answer")]
    public async Task A_failing_llm_or_one_without_an_answer_gives_the_fallback_response(string failure)
    {
        using var llm = new FakeOpenAiServer(_ => failure switch
        {
            "slow" => new FakeLlmReply("too late [1]", Delay: TimeSpan.FromSeconds(5)),
            "malformed" => new FakeLlmReply("", 200, "{\"choices\": [ {\"message\": "),
            "error" => new FakeLlmReply("", 503),
            _ => new FakeLlmReply(GroundedAnswerAction.NoAnswer),
        });
        var url = failure == "down" ? new Uri($"http://127.0.0.1:{Cli.ServeProcessTests.FreePort()}/v1") : llm.BaseUrl;
        using var project = Bot(url, QuestionRule, timeoutSeconds: 0.5);
        var agent = Agent(project, out var knowledge);
        using var _ = knowledge;

        var clock = System.Diagnostics.Stopwatch.StartNew();
        var reply = await Ask(agent, "when will my new card arrive");
        Assert.Equal(NoAnswer, reply.Text);
        Assert.Empty(Citations(reply));
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(4), $"answered after {clock.Elapsed}");
        // The conversation goes on.
        Assert.Equal("Hello!", (await Ask(agent, "hello")).Text);
    }

    [Theory]
    [InlineData("Cards arrive in 5 to 7 business days after the order [1].", true)]
    [InlineData("NO_ANSWER", false)]
    public async Task A_streaming_channel_gets_the_answer_piece_by_piece_and_never_a_refusal(string llmText, bool answered)
    {
        using var llm = new FakeOpenAiServer(_ => new FakeLlmReply(llmText));
        using var project = Bot(llm.BaseUrl, QuestionRule);
        var agent = Agent(project, out var knowledge);
        using var _ = knowledge;
        var pieces = new List<string>();
        BotMessage reply;
        using (ReplyStream.Listen(piece => { lock (pieces) pieces.Add(piece); return ValueTask.CompletedTask; }))
            reply = await Ask(agent, "when will my new card arrive");

        Assert.True(llm.Requests.Single().GetProperty("stream").GetBoolean());
        if (answered)
        {
            Assert.True(pieces.Count > 3, $"{pieces.Count} pieces");
            Assert.Equal(llmText, string.Concat(pieces));
            Assert.Equal(llmText, reply.Text);
            Assert.Equal(["knowledge/faq.yml#card_delivery"], Citations(reply));
        }
        else
        {
            Assert.Empty(pieces);
            Assert.Equal(NoAnswer, reply.Text);
        }
    }

    [Fact]
    public async Task Nothing_retrieved_answers_without_asking_the_llm()
    {
        using var llm = new FakeOpenAiServer(_ => new FakeLlmReply("made up [1]"));
        using var project = Bot(llm.BaseUrl, QuestionRule);
        var agent = Agent(project, out var knowledge);
        using var _ = knowledge;
        Assert.Equal(NoAnswer, (await Ask(agent, "how much does a transfer cost")).Text);
        Assert.Empty(llm.Requests);
    }

    [Fact]
    public async Task An_nlu_fallback_rule_routes_unclear_messages_to_the_grounded_answer()
    {
        using var llm = new FakeOpenAiServer(_ => new FakeLlmReply("Freeze the card in the app [1]."));
        // A fallback threshold no parse reaches: every message is nlu_fallback, and the rule answers it from the passages.
        using var project = Bot(llm.BaseUrl, "  - rule: unclear\n    steps: [{intent: nlu_fallback}, {action: action_llm_answer}]\n",
            "  - name: FallbackClassifier\n    threshold: 1.0\n");
        var agent = Agent(project, out var knowledge);
        using var _ = knowledge;
        var reply = await Ask(agent, "someone stole my card");
        Assert.Equal("Freeze the card in the app [1].", reply.Text);
        Assert.Equal(["knowledge/faq.yml#card_lost"], Citations(reply));
    }

    [Fact]
    public async Task The_core_fallback_action_can_be_the_knowledge_base_answer()
    {
        using var llm = new FakeOpenAiServer(_ => new FakeLlmReply("unused"));
        // ask_question has no rule: no policy predicts after it, and RulePolicy's core fallback answers from the FAQ.
        using var project = Bot(llm.BaseUrl, "", "policies:\n  - name: RulePolicy\n    core_fallback_action_name: action_kb_answer\n");
        var agent = Agent(project, out var knowledge);
        using var _ = knowledge;
        Assert.StartsWith("Branches open 9:00 to 17:00", (await Ask(agent, "what are your opening hours")).Text);
        Assert.Empty(llm.Requests);
    }
}
