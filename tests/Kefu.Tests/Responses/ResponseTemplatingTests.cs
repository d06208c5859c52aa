using Kefu.Dialogue.Responses;
using Kefu.Dialogue.Tracking;
using static Kefu.Tests.Actions.TestDomain;

namespace Kefu.Tests.Responses;

/// <summary>Placeholders filled as Rasa's interpolator fills them (Python's str.format over the slots).</summary>
public class ResponseTemplatingTests
{
    private static readonly TrackerState State =
        Tracker(new SlotSet("order_id", Json("\"DD20240101123\""))).State;

    [Theory]
    [InlineData("订单{order_id}已发货", "订单DD20240101123已发货")]
    [InlineData("{unknown_slot}", "None")]
    [InlineData("""/check{{"order_id": "{order_id}"}}""", """/check{"order_id": "DD20240101123"}""")]
    [InlineData("""/check{"order_id": "DD1"}""", """/check{"order_id": "DD1"}""")]
    [InlineData("{{order_id}} is a placeholder", "{order_id} is a placeholder")]
    [InlineData("no braces", "no braces")]
    public void Slots_and_doubled_braces(string template, string filled) =>
        Assert.Equal(filled, ResponseRenderer.Fill(template, State));

    [Fact]
    public void Button_payloads_are_filled_too()
    {
        var domain = With(Response("utter_confirm", "确认订单{order_id}？", ("是", """/affirm{{"order_id": "{order_id}"}}""")));
        var message = new ResponseRenderer(domain).Render("utter_confirm", Tracker(new SlotSet("order_id", Json("\"DD9\""))), "rest")!;
        Assert.Equal("确认订单DD9？", message.Text);
        Assert.Equal("""/affirm{"order_id": "DD9"}""", Assert.Single(message.Buttons!).Payload);
    }
}
