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
        return BotFactory.CreateAgent(domain, new TextIsAnAddress(), policies, new InMemoryEventStore(), EcommerceActions.Create(dir));
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
    public async Task A_complaint_is_handed_to_a_human_and_the_bot_goes_quiet()
    {
        var agent = Agent();
        Assert.Contains("转接人工客服", await Send(agent, "/complaint"));
        Assert.Equal("", await Send(agent, "/greet"));
    }

    /// <summary>The NLU of these tests: payloads are parsed by the agent itself; any other text is an address.</summary>
    private sealed class TextIsAnAddress : IMessageParser
    {
        public NluParse Parse(string text) =>
            new(text, new IntentPrediction("inform_address", 1f), [new IntentPrediction("inform_address", 1f)], []);
    }
}
