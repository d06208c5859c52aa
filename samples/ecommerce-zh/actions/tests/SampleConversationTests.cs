using Kefu.Dialogue;
using Kefu.Dialogue.Policies;
using Kefu.Nlu;
using Kefu.Projects;

namespace Kefu.Samples.Ecommerce.Tests;

/// <summary>
/// Conversations with the sample bot itself: its domain, its policies trained from its rules and stories, and
/// these actions. Messages are Rasa payloads (/intent{"entity": "value"}) or addresses, so no NLU model is needed.
/// </summary>
public class SampleConversationTests
{
    private static readonly Lazy<(Domain Domain, PolicyModel Policies, string Directory)> Sample = new(() =>
    {
        var dir = SampleDomainTests.SampleDirectory();
        var project = RasaProject.Load(dir);
        return (project.Domain, PolicyModel.Train(project), dir);
    });

    private static DialogueAgent Agent()
    {
        var (domain, policies, dir) = Sample.Value;
        return BotFactory.CreateAgent(domain, new TextIsAnAddress(), policies, new InMemoryEventStore(),
            EcommerceActions.Create(dir).Select(a => (Kefu.Dialogue.Actions.IAction)new Kefu.Dialogue.Actions.InProcessAction(a)).ToList());
    }

    private static async Task<string> Send(DialogueAgent agent, string payload) =>
        string.Join(" | ", (await agent.HandleMessageAsync("c1", payload)).Select(m => m.Text));

    [Fact]
    public async Task Checking_an_order_shows_its_logistics()
    {
        var agent = Agent();
        Assert.Contains("请", await Send(agent, "/order_status"));
        var reply = await Send(agent, """/inform_order_id{"order_id": "DD20241108123"}""");
        Assert.Contains("顺丰速运", reply);
        Assert.Contains("SF1432598876021", reply);
    }

    [Fact]
    public async Task An_unknown_order_number_is_refused_and_asked_again()
    {
        var agent = Agent();
        await Send(agent, "/order_status");
        var reply = await Send(agent, """/inform_order_id{"order_id": "DD20249999999"}""");
        Assert.Contains("没有查到订单DD20249999999", reply);
    }

    [Fact]
    public async Task A_return_is_filed_after_order_reason_and_confirmation()
    {
        var agent = Agent();
        await Send(agent, "/return_refund");
        await Send(agent, """/inform_order_id{"order_id": "DD20241115077"}""");
        await Send(agent, """/inform_reason{"reason": "尺码不合适"}""");
        var reply = await Send(agent, "/affirm");
        Assert.Contains("RT20241115077", reply);
    }

    [Fact]
    public async Task A_cancelled_order_cannot_be_returned()
    {
        var agent = Agent();
        await Send(agent, "/return_refund");
        var reply = await Send(agent, """/inform_order_id{"order_id": "DD20241111888"}""");
        Assert.Contains("已经取消了", reply);
    }

    [Fact]
    public async Task The_address_of_an_order_not_shipped_yet_is_changed()
    {
        var agent = Agent();
        await Send(agent, "/change_address");
        await Send(agent, """/inform_order_id{"order_id": "DD20241113520"}""");
        var reply = await Send(agent, "北京市海淀区中关村大街1号 李四 13900001111");
        Assert.Contains("已将订单DD20241113520的收货地址修改为：北京市海淀区中关村大街1号 李四 13900001111", reply);
    }

    [Fact]
    public async Task The_address_of_a_shipped_order_cannot_be_changed()
    {
        var agent = Agent();
        await Send(agent, "/change_address");
        var reply = await Send(agent, """/inform_order_id{"order_id": "DD20241108123"}""");
        Assert.Contains("已经发货了", reply);
        Assert.Contains("SF1432598876021", reply);
        Assert.Contains("已为您取消当前操作", await Send(agent, "/stop"));
    }

    [Fact]
    public async Task A_first_complaint_gets_an_apology_a_second_one_a_human_and_the_bot_goes_quiet()
    {
        var agent = Agent();
        var first = await Send(agent, "/complaint");
        Assert.Contains("抱歉", first);
        Assert.DoesNotContain("正在为您转接", first);
        Assert.Contains("正在为您转接人工客服", await Send(agent, "/complaint"));
        Assert.Equal("", await Send(agent, "/greet"));
    }

    [Fact]
    public async Task A_complaint_inside_a_return_apologises_and_asks_for_the_order_again()
    {
        var agent = Agent();
        await Send(agent, "/return_refund");
        var reply = await Send(agent, "/complaint");
        Assert.Contains("抱歉", reply);
        Assert.Contains("请问亲要退哪个订单", reply);
    }

    [Fact]
    public async Task An_exchange_is_filed_for_a_delivered_order_with_a_colour_reason()
    {
        var agent = Agent();
        Assert.Contains("要换哪个订单", await Send(agent, """/exchange{"reason": "颜色不合适"}"""));
        Assert.Contains("换货原因：颜色不合适", await Send(agent, """/inform_order_id{"order_id": "DD20241115077"}"""));
        var reply = await Send(agent, "/affirm");
        Assert.Contains("EX20241115077", reply);
        Assert.Contains("还有", reply);
    }

    [Fact]
    public async Task An_order_not_delivered_yet_cannot_be_exchanged()
    {
        var agent = Agent();
        await Send(agent, "/exchange");
        var reply = await Send(agent, """/inform_order_id{"order_id": "DD20241110456"}""");
        Assert.Contains("还没有签收", reply);
        Assert.Contains("要换哪个订单", reply);
    }

    [Fact]
    public async Task Return_progress_shows_the_return_not_the_order()
    {
        var agent = Agent();
        await Send(agent, "/return_progress");
        var reply = await Send(agent, """/inform_order_id{"order_id": "DD20241126092"}""");
        Assert.Contains("RT20241126092", reply);
        Assert.Contains("退款¥", reply);
        Assert.DoesNotContain("已签收✅", reply);
    }

    [Fact]
    public async Task Return_progress_right_after_filing_a_return_needs_no_order_number()
    {
        var agent = Agent();
        await Send(agent, """/return_refund{"order_id": "DD20241115077", "reason": "不想要了"}""");
        await Send(agent, "/affirm");
        var reply = await Send(agent, "/return_progress");
        Assert.Contains("RT20241115077", reply);
        Assert.Contains("上门取件", reply);
    }

    [Fact]
    public async Task Damaged_goods_get_an_apology_and_a_choice_and_the_reason_carries_into_the_exchange()
    {
        var agent = Agent();
        Assert.Contains("换货", await Send(agent, """/goods_problem{"reason": "物流破损"}"""));
        await Send(agent, "/exchange");
        Assert.Contains("换货原因：物流破损", await Send(agent, """/inform_order_id{"order_id": "DD20241111001"}"""));
    }

    [Fact]
    public async Task Urging_is_answered_and_noted_without_a_handoff()
    {
        var agent = Agent();
        Assert.Contains("加急", await Send(agent, "/urge"));
        Assert.Contains("小客", await Send(agent, "/greet"));
    }

    [Fact]
    public async Task A_low_confidence_guess_of_a_human_is_asked_about_before_any_handoff()
    {
        var agent = Agent();
        var question = (await agent.HandleMessageAsync("c1", Unsure)).Single();
        Assert.Contains("您是想转人工客服吗", question.Text);
        Assert.Equal(["/request_human", "/out_of_scope"], question.Buttons!.Select(b => b.Payload));

        Assert.Contains("换个说法", await Send(agent, "/out_of_scope"));
        Assert.Contains("正在为您转接人工客服", await Send(agent, "/request_human"));
    }

    [Fact]
    public async Task Two_unclear_messages_in_a_row_end_the_fallback_without_a_handoff()
    {
        var agent = Agent();
        await Send(agent, Unsure);
        Assert.Contains("没太理解", await Send(agent, Unsure));
        Assert.Contains("小客", await Send(agent, "/greet"));
    }

    /// <summary>A message the NLU is not sure about: below the fallback threshold, its best guess a human agent.</summary>
    private const string Unsure = "嗯那个，人呢";

    /// <summary>
    /// The NLU of these tests: payloads are parsed by the agent itself; <see cref="Unsure"/> is nlu_fallback with
    /// request_human as the best real intent (as the FallbackClassifier ranks it); any other text is an address.
    /// </summary>
    private sealed class TextIsAnAddress : IMessageParser
    {
        public NluParse Parse(string text) => text == Unsure
            ? new(text, new IntentPrediction("nlu_fallback", 0.3f),
                [new IntentPrediction("nlu_fallback", 0.3f), new IntentPrediction("request_human", 0.25f), new IntentPrediction("complaint", 0.2f)], [])
            : new(text, new IntentPrediction("inform_address", 1f), [new IntentPrediction("inform_address", 1f)], []);
    }
}
