using Kefu.Dialogue;
using Kefu.Dialogue.Policies;
using Kefu.Knowledge;
using Kefu.Nlu;
using Kefu.Projects;
using Kefu.Tests.Dialogue;
using Kefu.Tests.Nlu;
using Kefu.Tests.Projects;

namespace Kefu.Tests.Knowledge;

/// <summary>
/// action_kb_answer and action_kb_query in a conversation: a small bot whose NLU tells FAQ questions from graph questions,
/// its FAQ in a knowledge base and <see cref="SqliteGraphStoreTests.TinySqlite"/> as its graph; slots remember what a follow-up is about.
/// </summary>
public class KnowledgeActionTests
{
    const string Domain = """
        version: "3.1"
        intents: [faq, ask_kb]
        slots:
          kb_entity: {type: text, influence_conversation: false, mappings: [{type: custom}]}
          kb_attribute: {type: text, influence_conversation: false, mappings: [{type: custom}]}
          kb_passage: {type: text, influence_conversation: false, mappings: [{type: custom}]}
        actions: [action_kb_answer, action_kb_query]
        responses:
          utter_kb_no_answer: [{text: 这个我答不上来}]
        """;

    const string Nlu = """
        version: "3.1"
        nlu:
          - intent: faq
            examples: |
              - 退款多久到账
              - 能开发票吗
              - 怎么开发票
              - 钱什么时候退
              - 发票怎么要
              - 可以退款吗
          - intent: ask_kb
            examples: |
              - 故宫的门票多少钱
              - 天坛的评分
              - 那它的电话呢
              - 它几点关门
              - 故宫附近的餐馆
              - 评分4.5以上的餐馆
              - 人均100以内的饭店
              - 那天坛呢
              - 全聚德的地址
        """;

    const string Rules = """
        version: "3.1"
        rules:
          - rule: faq
            steps: [{intent: faq}, {action: action_kb_answer}]
          - rule: graph
            steps: [{intent: ask_kb}, {action: action_kb_query}]
        """;

    static readonly Lazy<(RasaProject Project, NluModel Nlu, PolicyModel Policies)> Trained = new(() =>
    {
        using var folder = new TempProject("kefu-kb-actions-", ("domain.yml", Domain), ("config.yml", "language: zh\npolicies:\n  - name: RulePolicy\n"),
            ("data/nlu.yml", Nlu), ("data/rules.yml", Rules));
        var project = RasaProject.Load(folder.Dir);
        return (project, NluTrainer.Train(project.Nlu, NluTestData.FastConfig() with { FallbackThreshold = 0f }), PolicyModel.Train(project));
    });

    static Chat Bot(out Kefu.Knowledge.Graph.SqliteGraphStore graph)
    {
        var kb = new KnowledgeBase(threshold: 0.35f);
        kb.AddPassages("faq.yml", [
            new Passage("faq.yml#refund", "faq.yml", 2, "退款多久到账", "退款1-7个工作日到账。", ["退款多久到账", "钱什么时候退回来"]),
            new Passage("faq.yml#invoice", "faq.yml", 5, "能开发票吗", "订单完成后可申请电子发票。", ["能开发票吗", "怎么开发票"]),
            new Passage("faq.yml#invoice_title", "faq.yml", 8, "发票抬头能改吗", "开票前可以修改抬头。", ["发票抬头能改吗", "发票抬头写错了"]),
        ]);
        graph = SqliteGraphStoreTests.TinySqlite();
        var service = new KnowledgeService(new KnowledgeConfig { Root = "." }, kb, graph, []);
        var (project, nlu, policies) = Trained.Value;
        return new Chat(BotFactory.CreateAgent(project.Domain, nlu, policies, new InMemoryEventStore(), service.Actions("zh")));
    }

    [Fact]
    public void A_follow_up_with_a_pronoun_is_answered_about_the_remembered_entity()
    {
        var chat = Bot(out var graph);
        using var _ = graph;
        chat.Send("故宫的门票多少钱").Expect("故宫的门票是60元");
        chat.Send("那它的电话呢").Expect("故宫的电话是010-85007938");
        chat.Send("它的评分呢").Expect("故宫的评分是4.7分");
        // Another place takes the remembered attribute.
        chat.Send("那天坛呢").Expect("天坛的评分是4.6分");
    }

    [Fact]
    public void Filters_and_nearby_questions_list_entities_and_the_first_becomes_the_subject()
    {
        var chat = Bot(out var graph);
        using var _ = graph;
        chat.Send("故宫附近评分4.5以上的餐馆").Expect("故宫附近", "四季民福", "全聚德");
        chat.Send("它几点关门").Expect("没有四季民福的营业时间信息");
        chat.Send("人均100以内的饭店").Expect("四季民福（评分4.8，人均95元）", "护国寺小吃店");
        Assert.DoesNotContain("全聚德", chat.Replies[0].Text);
        chat.Send("故宫附近地铁站的出口").Expect("灯市口地铁站", "A口");
    }

    [Fact]
    public void A_question_about_no_known_place_says_the_no_answer_response()
    {
        var chat = Bot(out var graph);
        using var _ = graph;
        chat.Send("火星基地的电话").Expect("这个我答不上来");
        chat.Send("天坛的评分").Expect("4.6");
        chat.Send("那它的门票呢").Expect("天坛的门票是15元");
    }

    [Fact]
    public void Faq_questions_answer_when_confident_and_offer_the_candidates_as_buttons_when_not()
    {
        var chat = Bot(out var graph);
        using var _ = graph;
        chat.Send("退款多久到账呀").Expect("退款1-7个工作日到账");
        chat.Send("电子发票的问题");
        var reply = Assert.Single(chat.Replies);
        Assert.Equal("您是想问以下哪个问题？", reply.Text);
        Assert.All(reply.Buttons!, b => Assert.Equal(b.Title, b.Payload));
        Assert.Equal(["发票抬头能改吗", "怎么开发票"], reply.Buttons!.Select(b => b.Title).Order());
    }
}

/// <summary>Each knowledge action answers what the other one would have when the NLU picked the wrong one.</summary>
public class KnowledgeActionRoutingTests
{
    static KnowledgeBase Faq()
    {
        var kb = new KnowledgeBase();
        kb.AddPassages("faq.yml", [new Passage("faq.yml#refund", "faq.yml", 2, "退款多久到账", "退款1-7个工作日到账。", ["退款多久到账", "钱什么时候退回来"])]);
        return kb;
    }

    static async Task<string?> Say(Kefu.Dialogue.Actions.IAction action, string text, string intent)
    {
        var tracker = Actions.TestDomain.Tracker(new Kefu.Dialogue.Tracking.ActionExecuted("action_listen"), Actions.TestDomain.User(text, intent));
        var events = await action.RunAsync(Actions.TestDomain.Context(tracker, Kefu.Projects.Domain.Empty), CancellationToken.None);
        return events.OfType<Kefu.Dialogue.Tracking.BotUttered>().Single().Message.Text;
    }

    [Fact]
    public async Task The_faq_action_answers_a_graph_question_from_the_graph_and_the_graph_action_a_faq_question_from_the_faq()
    {
        using var graph = SqliteGraphStoreTests.TinySqlite();
        var answerer = new Kefu.Knowledge.Graph.GraphAnswerer(graph, Kefu.Knowledge.Graph.EntityLinker.From(graph));
        Assert.Equal("故宫的门票是60元。", await Say(new KbAnswerAction(Faq(), "zh", answerer), "故宫的门票多少钱", "faq"));
        Assert.Equal("退款1-7个工作日到账。", await Say(new Kefu.Knowledge.Graph.GraphQueryAction(answerer, Faq()), "退款多久到账呀", "ask_kb"));
        // Neither knows: the FAQ action offers its candidates, the graph action says it found no place.
        Assert.Equal("抱歉，我没找到您说的地方，请告诉我完整的名称。", await Say(new Kefu.Knowledge.Graph.GraphQueryAction(answerer, Faq()), "今天天气好", "ask_kb"));
    }
}
